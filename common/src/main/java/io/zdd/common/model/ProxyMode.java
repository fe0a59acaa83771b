package io.zdd.common.model;

/** HAProxy proxy mode of a group's frontend and backend. */
public enum ProxyMode {
  HTTP,
  TCP
}
