package io.zdd.coordinator.engine;

/** The Marathon labels zdd.py (and so zdd) reads and writes. */
public final class Labels {
  public static final String GROUP = "HAPROXY_DEPLOYMENT_GROUP";
  public static final String ALT_PORT = "HAPROXY_DEPLOYMENT_ALT_PORT";
  public static final String COLOUR = "HAPROXY_DEPLOYMENT_COLOUR";
  public static final String STARTED_AT = "HAPROXY_DEPLOYMENT_STARTED_AT";
  public static final String TARGET_INSTANCES = "HAPROXY_DEPLOYMENT_TARGET_INSTANCES";
  public static final String NEW_INSTANCES = "HAPROXY_DEPLOYMENT_NEW_INSTANCES";
  public static final String PORT_0 = "HAPROXY_0_PORT";
  public static final String APP_ID = "HAPROXY_APP_ID";
  public static final String MODE_0 = "HAPROXY_0_MODE";
  public static final String BALANCE_0 = "HAPROXY_0_BALANCE";
  /** Marathon-LB groups as the user gives them (marathon-lb's label); see {@link LbGroups}. */
  public static final String HAPROXY_GROUP = "HAPROXY_GROUP";
  /** Where zdd keeps the Marathon-LB groups in what it posts, so marathon-lb leaves the app alone. */
  public static final String LB_GROUP = "ZDD_LB_GROUP";
  public static final String PENDING_METRIC = "ZDD_PENDING_METRIC";
  public static final String PENDING_METRIC_PATH = "ZDD_PENDING_METRIC_PATH";
  public static final String PENDING_METRIC_PORT_INDEX = "ZDD_PENDING_METRIC_PORT_INDEX";

  private Labels() {}
}
