import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

/**
 * Build step, run by Maven after the shade plugin: {@code java -cp asm.jar UpgradeClassVersion.java JAR PREFIX}
 * rewrites the classes under PREFIX in JAR (picocli/) from class-file version 49 (Java 5) to 52
 * (Java 8), with the stack map frames that version needs, computed by ASM.
 *
 * <p>Why: the JVM's class-data-sharing archive, which the ./duckdag launcher makes so that a start
 * costs less, leaves out every class older than version 50 on Java 17. picocli 4.7 is compiled for
 * Java 5, so its classes were loaded, parsed and verified from the jar on every start (about 60 ms
 * of CPU on this machine). The bytecode is otherwise unchanged; picocli has no jsr/ret.
 */
public final class UpgradeClassVersion {
    public static void main(String[] args) throws IOException {
        Path jar = Path.of(args[0]);
        String prefix = args[1];
        int upgraded = 0;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
             FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + jar.toUri()), Map.of())) {
            List<Path> classes;
            try (Stream<Path> all = Files.walk(zip.getPath("/" + prefix))) {
                classes = all.filter(p -> p.toString().endsWith(".class")).toList();
            }
            for (Path c : classes) {
                byte[] bytes = Files.readAllBytes(c);
                ClassReader reader = new ClassReader(bytes);
                if (reader.readShort(6) >= Opcodes.V1_8) {
                    continue;
                }
                ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
                    @Override
                    protected ClassLoader getClassLoader() {
                        return loader; // frames need common superclasses, which are in the jar or the JDK
                    }
                };
                reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
                    @Override
                    public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
                        super.visit(Opcodes.V1_8, access, name, signature, superName, interfaces);
                    }
                }, ClassReader.SKIP_FRAMES);
                Files.write(c, writer.toByteArray());
                upgraded++;
            }
        }
        System.out.println("upgraded " + upgraded + " classes under " + prefix + " in " + jar + " to class-file version 52");
    }
}
