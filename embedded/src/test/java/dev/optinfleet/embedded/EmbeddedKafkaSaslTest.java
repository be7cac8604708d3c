package dev.optinfleet.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;

/**
 * {@link EmbeddedKafka#startWithSasl()}: the broker becomes ready (its own controller and broker registrations pass
 * the authorizer, which they did not while the controller listener was PLAINTEXT), the super user's credentials
 * from {@link EmbeddedKafka#clientProperties()} work, and a wrong password is refused.
 */
class EmbeddedKafkaSaslTest {

    @Test
    void startsReadyAcceptsTheSuperUserAndRefusesAWrongPassword() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startWithSasl()) {
            assertEquals("SASL_PLAINTEXT", kafka.clientProperties().get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG));
            kafka.createTopic("sasl-topic", 1, false);
            try (Admin admin = Admin.create(kafka.clientProperties())) {
                assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("sasl-topic"));
            }
            Map<String, Object> wrong = new HashMap<>(EmbeddedKafka.saslClientProperties(kafka.bootstrapServers(),
                    "plain-admin", "not-the-password"));
            wrong.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
            wrong.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
            try (Admin admin = Admin.create(wrong)) {
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> admin.listTopics().names().get(10, TimeUnit.SECONDS));
                assertInstanceOf(SaslAuthenticationException.class, e.getCause(), e.toString());
            }
        }
    }
}
