package io.zdd.coordinator.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** App definitions shown by a plan never carry env values or secrets. */
class AppSecretsTest {
  @Test
  void envValuesAndSecrets_areRedacted_keysAndTheRestKept() {
    String app = """
        {"id": "/shop", "cmd": "run", "env": {"DB_PASSWORD": "hunter2", "TOKEN": {"secret": "tok"}},
         "secrets": {"tok": {"source": "vault/shop/token"}}, "labels": {"HAPROXY_DEPLOYMENT_GROUP": "shop"}}""";
    String shown = AppSecrets.redact(app);
    assertThat(shown).doesNotContain("hunter2").doesNotContain("vault/shop/token")
        .contains("\"DB_PASSWORD\":\"<redacted>\"").contains("\"tok\":\"<redacted>\"")
        .contains("\"cmd\":\"run\"").contains("HAPROXY_DEPLOYMENT_GROUP");
    assertThat(AppSecrets.redact("not json {")).isEqualTo("<redacted>");
    assertThat(AppSecrets.redact(null)).isEmpty();
  }
}
