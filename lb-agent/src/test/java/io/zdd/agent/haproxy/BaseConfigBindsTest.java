package io.zdd.agent.haproxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BaseConfigBindsTest {
  @Test
  void readsEveryTcpBindOfFrontendsAndListenSections() {
    String cfg = """
        global
          stats socket /var/run/haproxy/socket expose-fd listeners
          server-state-file global
        defaults
          mode http
        frontend marathon_http_in
          bind *:80
          bind :::8443 v4v6 ssl crt /etc/ssl/cert.pem # comment
          mode http
        frontend shop_10000
          bind 0.0.0.0:10000,127.0.0.2:10001
          bind ipv4@10.0.0.1:10100-10110 name app
          bind unix@/var/run/x.sock
          bind abns@internal
          bind :${PORT}
        listen stats
          bind 127.0.0.1:9090
        backend shop_10000
          server s1 10.0.0.9:31000
        """;

    List<BaseConfigBinds.Bind> binds = BaseConfigBinds.parse(cfg);

    assertThat(binds).containsExactly(
        new BaseConfigBinds.Bind("marathon_http_in", "*", 80, 80),
        new BaseConfigBinds.Bind("marathon_http_in", "::", 8443, 8443),
        new BaseConfigBinds.Bind("shop_10000", "0.0.0.0", 10000, 10000),
        new BaseConfigBinds.Bind("shop_10000", "127.0.0.2", 10001, 10001),
        new BaseConfigBinds.Bind("shop_10000", "10.0.0.1", 10100, 10110),
        new BaseConfigBinds.Bind("stats", "127.0.0.1", 9090, 9090));
  }

  @Test
  void addressesOverlapWhenEitherIsAWildcardOrTheyAreEqual() {
    BaseConfigBinds.Bind specific = new BaseConfigBinds.Bind("f", "127.0.0.2", 10000, 10000);
    assertThat(specific.overlaps("*", 10000)).isTrue();
    assertThat(specific.overlaps("127.0.0.2", 10000)).isTrue();
    assertThat(specific.overlaps("127.0.0.3", 10000)).isFalse();
    assertThat(specific.overlaps("127.0.0.2", 10001)).isFalse();
    assertThat(new BaseConfigBinds.Bind("f", "*", 10100, 10110).overlaps("127.0.0.9", 10105)).isTrue();
  }
}
