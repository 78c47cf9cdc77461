package io.duckdag.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;

/** DuckDbLibrary must name the library exactly as the driver does, or the driver would not find it. */
class DuckDbLibraryTest {
    @Test
    void names_each_platform_the_driver_ships_as_the_driver_does() {
        assertThat(DuckDbLibrary.libraryName("Linux", "amd64")).isEqualTo("libduckdb_java.so_linux_amd64");
        assertThat(DuckDbLibrary.libraryName("Linux", "aarch64")).isEqualTo("libduckdb_java.so_linux_arm64");
        assertThat(DuckDbLibrary.libraryName("Mac OS X", "aarch64")).isEqualTo("libduckdb_java.so_macos_arm64");
        assertThat(DuckDbLibrary.libraryName("Windows 11", "amd64")).isEqualTo("libduckdb_java.so_windows_amd64");
        assertThat(DuckDbLibrary.libraryName("Linux", "x86_64")).isEqualTo("libduckdb_java.so_linux_amd64");
    }

    @Test
    void agrees_with_the_driver_on_this_machine() throws Exception {
        Class<?> driver = Class.forName("org.duckdb.DuckDBNative");
        Method nativeLibName = driver.getDeclaredMethod("nativeLibName");
        nativeLibName.setAccessible(true);
        assertThat(DuckDbLibrary.libraryName()).isEqualTo(nativeLibName.invoke(null));
        assertThat(driver.getResource("/" + DuckDbLibrary.libraryName())).as("the driver ships this platform").isNotNull();
    }

    @Test
    void leaves_a_class_path_with_the_drivers_own_jar_alone() throws Exception {
        // Here (the tests' class path) the driver's resource is visible: it unpacks it as always,
        // and nothing is written beside its jar in the Maven repository.
        Class<?> driver = Class.forName("org.duckdb.DuckDBNative", false, getClass().getClassLoader());
        java.nio.file.Path folder = DuckDbLibrary.driverJarFolder(driver).orElseThrow();
        DuckDbLibrary.prepare(getClass().getClassLoader());
        assertThat(folder.resolve(DuckDbLibrary.libraryName())).doesNotExist();
    }
}
