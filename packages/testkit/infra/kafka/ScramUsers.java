// Creates or replaces SCRAM-SHA-512 credentials through the Admin API (alterUserScramCredentials),
// which kafkajs lacks. Run by packages/testkit/src/infra/kafka.ts with Java's source launcher and
// the broker's own jars:
//   java -cp '<libs>/*' ScramUsers.java <bootstrap> <users dir> <principal>...
// Each principal's password is read from <users dir>/<principal>.password, the admin's too (it
// logs in as admin), so no password is on a command line.
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

public class ScramUsers {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    Path users = Path.of(args[1]);
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("security.protocol", "SASL_PLAINTEXT");
    props.put("sasl.mechanism", "SCRAM-SHA-512");
    props.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"" + password(users, "admin") + "\";");
    List<UserScramCredentialAlteration> alterations = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      alterations.add(new UserScramCredentialUpsertion(args[i], new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password(users, args[i])));
    }
    try (Admin admin = Admin.create(props)) {
      admin.alterUserScramCredentials(alterations).all().get();
    }
  }

  private static String password(Path users, String principal) throws Exception {
    return Files.readString(users.resolve(principal + ".password")).trim();
  }
}
