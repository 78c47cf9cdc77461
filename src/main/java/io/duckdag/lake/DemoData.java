package io.duckdag.lake;

import java.time.LocalDate;
import java.util.List;

/**
 * The SQL that generates one demo file: realistic columns of the four tables the user keeps
 * (income, balance_sheet, cash_flow keyed by ts_code, end_date, report_type; daily_basic by
 * ts_code, trade_date), in random order, with dates as 'YYYYMMDD' strings as the data vendor
 * sends them. Values come from DuckDB's hash of (seed, table, date, file, row), so the same
 * seed and date give the same files.
 */
public final class DemoData {
    /** How many listed companies the demo market has. */
    public static final int COMPANIES = 5000;

    private DemoData() {
    }

    /**
     * @param year    the partition the file belongs to; the download's own year, or an older one for late rows
     * @param extra   whether this file carries a column that older files lack (schema drift)
     */
    public static String select(String table, LocalDate date, long seed, int file, long rows, int year, boolean extra) {
        String prefix = "hash(" + seed + ", " + Sql.literal(table) + ", " + Sql.literal(date.toString()) + ", " + file + ", i, ";
        java.util.function.Function<String, String> h = tag -> "(" + prefix + Sql.literal(tag) + "))";
        java.util.function.BiFunction<String, Long, String> mod = (tag, n) -> "(" + h.apply(tag) + " % " + n + ")::BIGINT";
        String code = "lpad((" + mod.apply("code", (long) COMPANIES) + " + 1)::VARCHAR, 6, '0') || CASE WHEN "
                + mod.apply("ex", 2L) + " = 0 THEN '.SZ' ELSE '.SH' END";
        java.util.function.Function<String, String> num = tag -> mod.apply(tag, 1_000_000L) + "::DOUBLE";
        boolean current = year == date.getYear();
        switch (table) {
            case "daily_basic": {
                String day = current
                        ? "DATE " + Sql.literal(date.toString()) + " - INTERVAL (" + mod.apply("day", 10L) + ") DAY"
                        : "make_date(" + year + ", 1, 1) + INTERVAL (" + mod.apply("day", 365L) + ") DAY";
                return "SELECT " + code + " AS ts_code, strftime(" + day + ", '%Y%m%d') AS trade_date, "
                        + "round(" + num.apply("close") + " / 10000 + 1, 2) AS close, "
                        + "round(" + num.apply("turn") + " / 100000, 4) AS turnover_rate, "
                        + "round(" + num.apply("vr") + " / 300000, 2) AS volume_ratio, "
                        + "round(" + num.apply("pe") + " / 5000, 2) AS pe, "
                        + "round(" + num.apply("pb") + " / 100000, 2) AS pb, "
                        + "round(" + num.apply("ts") + " * 10, 0) AS total_share, "
                        + "round(" + num.apply("fs") + " * 7, 0) AS float_share, "
                        + "round(" + num.apply("mv") + " * 100, 2) AS total_mv, "
                        + "round(" + num.apply("cmv") + " * 70, 2) AS circ_mv"
                        + (extra ? ", round(" + num.apply("dv") + " / 200000, 4) AS dv_ttm" : "")
                        + " FROM range(" + rows + ") r(i)";
            }
            case "income":
            case "balance_sheet":
            case "cash_flow": {
                long quarters = current ? Math.max(1, date.getMonthValue() / 3) : 4;
                String endDate = "('" + year + "' || (['0331', '0630', '0930', '1231'])[" + mod.apply("q", quarters) + " + 1])";
                String reportType = "CASE WHEN " + mod.apply("rt", 10L) + " = 0 THEN '2' ELSE '1' END";
                String ann = "strftime(strptime(" + endDate + ", '%Y%m%d') + INTERVAL (20 + " + mod.apply("ann", 90L) + ") DAY, '%Y%m%d')";
                StringBuilder sql = new StringBuilder("SELECT ").append(code).append(" AS ts_code, ").append(ann).append(" AS ann_date, ")
                        .append(ann).append(" AS f_ann_date, ").append(endDate).append(" AS end_date, ").append(reportType)
                        .append(" AS report_type, (").append(mod.apply("ct", 4L)).append(" + 1)::VARCHAR AS comp_type");
                for (String c : measures(table)) {
                    sql.append(", round(").append(mod.apply(c, 2_000_000_000L)).append("::DOUBLE - 500000000, 2) AS ").append(c);
                }
                return sql.append(" FROM range(").append(rows).append(") r(i)").toString();
            }
            default:
                return "SELECT " + code + " AS ts_code, strftime(make_date(" + year + ", 1, 1) + INTERVAL (" + mod.apply("day", 365L)
                        + ") DAY, '%Y%m%d') AS trade_date, " + num.apply("v") + " AS value FROM range(" + rows + ") r(i)";
        }
    }

    private static List<String> measures(String table) {
        return switch (table) {
            case "income" -> List.of("basic_eps", "total_revenue", "revenue", "operate_profit", "total_profit", "n_income");
            case "balance_sheet" -> List.of("total_assets", "total_liab", "total_hldr_eqy_exc_min_int", "money_cap",
                    "accounts_receiv", "inventories");
            default -> List.of("n_cashflow_act", "n_cashflow_inv_act", "n_cash_flows_fnc_act", "c_cash_equ_end_period", "free_cashflow");
        };
    }
}
