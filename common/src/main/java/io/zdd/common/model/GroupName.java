package io.zdd.common.model;

/** A deployment group (the HAPROXY_DEPLOYMENT_GROUP label): names a blue/green pair. */
public record GroupName(String value) implements Comparable<GroupName> {
  public GroupName {
    Validation.name("group", value);
  }

  public static GroupName of(String value) {
    return new GroupName(value);
  }

  @Override
  public int compareTo(GroupName o) {
    return value.compareTo(o.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
