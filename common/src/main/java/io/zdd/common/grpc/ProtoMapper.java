package io.zdd.common.grpc;

import io.zdd.common.error.InvalidInputException;
import io.zdd.common.model.AdminState;
import io.zdd.common.model.AgentId;
import io.zdd.common.model.AgentStateView;
import io.zdd.common.model.ApplyResult;
import io.zdd.common.model.BackendServer;
import io.zdd.common.model.BackendSet;
import io.zdd.common.model.Colour;
import io.zdd.common.model.ColourFrontend;
import io.zdd.common.model.ConnectionSample;
import io.zdd.common.model.Epoch;
import io.zdd.common.model.GroupName;
import io.zdd.common.model.HaproxyWorker;
import io.zdd.common.model.HealthCheck;
import io.zdd.common.model.ObservedBackend;
import io.zdd.common.model.ObservedServer;
import io.zdd.common.model.PortRedirect;
import io.zdd.common.model.ProxyMode;
import io.zdd.common.model.ServerConnections;
import io.zdd.common.model.ServerTraffic;
import io.zdd.common.model.TrafficReading;
import io.zdd.common.model.WorkerConnections;
import io.zdd.proto.v1.ApplyBackendsResponse;
import io.zdd.proto.v1.AgentState;
import java.time.Instant;
import java.util.Optional;

/**
 * The one place that knows both the domain records and the generated protobuf messages. Going
 * from proto to record validates: a malformed message becomes an {@link InvalidInputException}
 * naming the field, before anything acts on it.
 */
public final class ProtoMapper {
  private ProtoMapper() {}

  // ---- enums -------------------------------------------------------------------------------

  public static Colour colour(io.zdd.proto.v1.Colour c) {
    return switch (c) {
      case BLUE -> Colour.BLUE;
      case GREEN -> Colour.GREEN;
      case COLOUR_UNSPECIFIED, UNRECOGNIZED -> Colour.NONE;
    };
  }

  public static io.zdd.proto.v1.Colour toProto(Colour c) {
    return switch (c) {
      case BLUE -> io.zdd.proto.v1.Colour.BLUE;
      case GREEN -> io.zdd.proto.v1.Colour.GREEN;
      case NONE -> io.zdd.proto.v1.Colour.COLOUR_UNSPECIFIED;
    };
  }

  public static AdminState adminState(io.zdd.proto.v1.AdminState s) {
    return switch (s) {
      case DRAIN -> AdminState.DRAIN;
      case MAINT -> AdminState.MAINT;
      case READY, ADMIN_STATE_UNSPECIFIED -> AdminState.READY;
      case UNRECOGNIZED -> throw new InvalidInputException("admin_state", "unknown value");
    };
  }

  public static io.zdd.proto.v1.AdminState toProto(AdminState s) {
    return switch (s) {
      case READY -> io.zdd.proto.v1.AdminState.READY;
      case DRAIN -> io.zdd.proto.v1.AdminState.DRAIN;
      case MAINT -> io.zdd.proto.v1.AdminState.MAINT;
    };
  }

  public static ProxyMode mode(io.zdd.proto.v1.ProxyMode m) {
    return switch (m) {
      case TCP -> ProxyMode.TCP;
      case HTTP, PROXY_MODE_UNSPECIFIED -> ProxyMode.HTTP;
      case UNRECOGNIZED -> throw new InvalidInputException("backend_set.mode", "unknown value");
    };
  }

  public static io.zdd.proto.v1.ProxyMode toProto(ProxyMode m) {
    return switch (m) {
      case HTTP -> io.zdd.proto.v1.ProxyMode.HTTP;
      case TCP -> io.zdd.proto.v1.ProxyMode.TCP;
    };
  }

  // ---- desired state -----------------------------------------------------------------------

  public static BackendServer server(io.zdd.proto.v1.Server s) {
    return new BackendServer(s.getName(), s.getAddress(), checkedInt("server.port", s.getPort()),
        checkedInt("server.weight", s.getWeight()), adminState(s.getAdminState()),
        colour(s.getColour()), s.getTaskId());
  }

  public static io.zdd.proto.v1.Server toProto(BackendServer s) {
    return io.zdd.proto.v1.Server.newBuilder()
        .setName(s.name())
        .setAddress(s.address())
        .setPort(s.port())
        .setWeight(s.weight())
        .setAdminState(toProto(s.adminState()))
        .setColour(toProto(s.colour()))
        .setTaskId(s.taskId())
        .build();
  }

  public static HealthCheck healthCheck(io.zdd.proto.v1.HealthCheck h) {
    return new HealthCheck(h.getHttpPath(), checkedInt("health_check.interval_ms", h.getIntervalMs()),
        checkedInt("health_check.rise", h.getRise()), checkedInt("health_check.fall", h.getFall()));
  }

  public static io.zdd.proto.v1.HealthCheck toProto(HealthCheck h) {
    return io.zdd.proto.v1.HealthCheck.newBuilder()
        .setHttpPath(h.httpPath())
        .setIntervalMs(h.intervalMs())
        .setRise(h.rise())
        .setFall(h.fall())
        .build();
  }

  public static BackendSet backendSet(io.zdd.proto.v1.BackendSet b) {
    return new BackendSet(
        new GroupName(b.getGroup()),
        b.getVersion(),
        checkedInt("backend_set.frontend_port", b.getFrontendPort()),
        mode(b.getMode()),
        b.getBalance(),
        b.hasHealthCheck() ? Optional.of(healthCheck(b.getHealthCheck())) : Optional.empty(),
        b.getServersList().stream().map(ProtoMapper::server).toList(),
        b.getColourFrontendsList().stream()
            .map(f -> new ColourFrontend(colour(f.getColour()), checkedInt("colour_frontends.port", f.getPort())))
            .toList());
  }

  public static io.zdd.proto.v1.BackendSet toProto(BackendSet b) {
    io.zdd.proto.v1.BackendSet.Builder builder = io.zdd.proto.v1.BackendSet.newBuilder()
        .setGroup(b.group().value())
        .setVersion(b.version())
        .setFrontendPort(b.frontendPort())
        .setMode(toProto(b.mode()))
        .setBalance(b.balance());
    b.healthCheck().ifPresent(h -> builder.setHealthCheck(toProto(h)));
    b.servers().forEach(s -> builder.addServers(toProto(s)));
    b.colourFrontends().forEach(f -> builder.addColourFrontends(
        io.zdd.proto.v1.ColourFrontend.newBuilder().setColour(toProto(f.colour())).setPort(f.port())));
    return builder.build();
  }

  // ---- observed state ----------------------------------------------------------------------

  public static ObservedServer observedServer(io.zdd.proto.v1.ObservedServer s) {
    return new ObservedServer(s.getName(), s.getAddress(), s.getPort(), s.getWeight(),
        adminState(s.getAdminState()), s.getStatus(), s.getCheckStatus(), s.getScur());
  }

  public static io.zdd.proto.v1.ObservedServer toProto(ObservedServer s) {
    return io.zdd.proto.v1.ObservedServer.newBuilder()
        .setName(s.name())
        .setAddress(s.address())
        .setPort(s.port())
        .setWeight(s.weight())
        .setAdminState(toProto(s.adminState()))
        .setStatus(s.status())
        .setCheckStatus(s.checkStatus())
        .setScur(s.scur())
        .build();
  }

  public static ObservedBackend observedBackend(io.zdd.proto.v1.ObservedBackend b) {
    return new ObservedBackend(new GroupName(b.getGroup()), b.getAppliedVersion(),
        Epoch.of(b.getAppliedEpoch()), b.getFrontendPort(),
        b.getServersList().stream().map(ProtoMapper::observedServer).toList());
  }

  public static io.zdd.proto.v1.ObservedBackend toProto(ObservedBackend b) {
    io.zdd.proto.v1.ObservedBackend.Builder builder = io.zdd.proto.v1.ObservedBackend.newBuilder()
        .setGroup(b.group().value())
        .setAppliedVersion(b.appliedVersion())
        .setAppliedEpoch(b.appliedEpoch().value())
        .setFrontendPort(b.frontendPort());
    b.servers().forEach(s -> builder.addServers(toProto(s)));
    return builder.build();
  }

  public static ApplyResult applyResult(ApplyBackendsResponse r) {
    return new ApplyResult(observedBackend(r.getObserved()), r.getReloaded(), r.getRuntimeCommands());
  }

  public static ApplyBackendsResponse toProto(ApplyResult r) {
    return ApplyBackendsResponse.newBuilder()
        .setObserved(toProto(r.observed()))
        .setReloaded(r.reloaded())
        .setRuntimeCommands(r.runtimeCommands())
        .build();
  }

  public static PortRedirect portRedirect(io.zdd.proto.v1.PortRedirect p) {
    return new PortRedirect(checkedInt("service_port", p.getServicePort()),
        checkedInt("target_port", p.getTargetPort()), p.getChain());
  }

  public static io.zdd.proto.v1.PortRedirect toProto(PortRedirect p) {
    return io.zdd.proto.v1.PortRedirect.newBuilder()
        .setServicePort(p.servicePort())
        .setTargetPort(p.targetPort())
        .setChain(p.chain())
        .build();
  }

  public static HaproxyWorker worker(io.zdd.proto.v1.HaproxyWorker w) {
    return new HaproxyWorker(w.getPid(), w.getCurrent(), w.getReloads(), w.getConnections());
  }

  public static io.zdd.proto.v1.HaproxyWorker toProto(HaproxyWorker w) {
    return io.zdd.proto.v1.HaproxyWorker.newBuilder()
        .setPid(w.pid())
        .setCurrent(w.current())
        .setReloads(w.reloads())
        .setConnections(w.connections())
        .build();
  }

  public static AgentStateView agentState(AgentState s) {
    return new AgentStateView(new AgentId(s.getAgentId()), Epoch.of(s.getHighestEpoch()),
        s.getBackendsList().stream().map(ProtoMapper::observedBackend).toList(),
        s.getWorkersList().stream().map(ProtoMapper::worker).toList(),
        s.getRedirectsList().stream().map(ProtoMapper::portRedirect).toList(),
        s.getHaproxyVersion(), s.getPortSwapAvailable());
  }

  public static AgentState toProto(AgentStateView s) {
    AgentState.Builder b = AgentState.newBuilder()
        .setAgentId(s.agent().value())
        .setHighestEpoch(s.highestEpoch().value())
        .setHaproxyVersion(s.haproxyVersion())
        .setPortSwapAvailable(s.portSwapAvailable());
    s.backends().forEach(x -> b.addBackends(toProto(x)));
    s.workers().forEach(x -> b.addWorkers(toProto(x)));
    s.redirects().forEach(x -> b.addRedirects(toProto(x)));
    return b.build();
  }

  // ---- connection samples ------------------------------------------------------------------

  public static ServerConnections serverConnections(io.zdd.proto.v1.ServerConnections s) {
    return new ServerConnections(new GroupName(s.getGroup()), s.getServer(), s.getScur(),
        s.getQcur(), s.getStot(), s.getStatus(), adminState(s.getAdminState()), s.getOldWorkerScur());
  }

  public static io.zdd.proto.v1.ServerConnections toProto(ServerConnections s) {
    return io.zdd.proto.v1.ServerConnections.newBuilder()
        .setGroup(s.group().value())
        .setServer(s.server())
        .setScur(s.scur())
        .setQcur(s.qcur())
        .setStot(s.stot())
        .setStatus(s.status())
        .setAdminState(toProto(s.adminState()))
        .setOldWorkerScur(s.oldWorkerScur())
        .build();
  }

  public static ConnectionSample sample(io.zdd.proto.v1.ConnectionSample s) {
    return new ConnectionSample(new AgentId(s.getAgentId()), s.getSequence(),
        Instant.ofEpochMilli(s.getSampledAtUnixMs()), s.getHeartbeat(),
        s.getServersList().stream().map(ProtoMapper::serverConnections).toList(),
        s.getWorkersList().stream()
            .map(w -> new WorkerConnections(w.getPid(), w.getCurrent(), w.getConnections()))
            .toList());
  }

  public static io.zdd.proto.v1.ConnectionSample toProto(ConnectionSample s) {
    io.zdd.proto.v1.ConnectionSample.Builder b = io.zdd.proto.v1.ConnectionSample.newBuilder()
        .setAgentId(s.agent().value())
        .setSequence(s.sequence())
        .setSampledAtUnixMs(s.sampledAt().toEpochMilli())
        .setHeartbeat(s.heartbeat());
    s.servers().forEach(x -> b.addServers(toProto(x)));
    s.workers().forEach(w -> b.addWorkers(io.zdd.proto.v1.WorkerConnections.newBuilder()
        .setPid(w.pid()).setCurrent(w.current()).setConnections(w.connections())));
    return b.build();
  }

  public static TrafficReading traffic(io.zdd.proto.v1.TrafficReading r) {
    return new TrafficReading(new AgentId(r.getAgentId()), Instant.ofEpochMilli(r.getSampledAtUnixMs()),
        r.getServersList().stream().map(s -> new ServerTraffic(s.getGroup(), s.getServer(), colour(s.getColour()), s.getTaskId(),
            s.getResponses1Xx(), s.getResponses2Xx(), s.getResponses3Xx(), s.getResponses4Xx(), s.getResponses5Xx(),
            s.getResponsesOther(), s.getConnectionErrors(), s.getResponseErrors(), s.getRetries(), s.getRedispatches(),
            s.getSessionsTotal(), Integer.toUnsignedLong(s.getAvgResponseMs()), Integer.toUnsignedLong(s.getAvgTotalMs())))
            .toList());
  }

  public static io.zdd.proto.v1.TrafficReading toProto(TrafficReading r) {
    io.zdd.proto.v1.TrafficReading.Builder b = io.zdd.proto.v1.TrafficReading.newBuilder()
        .setAgentId(r.agent().value())
        .setSampledAtUnixMs(r.sampledAt().toEpochMilli());
    r.servers().forEach(s -> b.addServers(io.zdd.proto.v1.ServerTraffic.newBuilder()
        .setGroup(s.group()).setServer(s.server()).setColour(toProto(s.colour())).setTaskId(s.taskId())
        .setResponses1Xx(s.responses1xx()).setResponses2Xx(s.responses2xx()).setResponses3Xx(s.responses3xx())
        .setResponses4Xx(s.responses4xx()).setResponses5Xx(s.responses5xx()).setResponsesOther(s.responsesOther())
        .setConnectionErrors(s.connectionErrors()).setResponseErrors(s.responseErrors()).setRetries(s.retries())
        .setRedispatches(s.redispatches()).setSessionsTotal(s.sessionsTotal())
        .setAvgResponseMs((int) Math.min(s.avgResponseMs(), Integer.MAX_VALUE))
        .setAvgTotalMs((int) Math.min(s.avgTotalMs(), Integer.MAX_VALUE))));
    return b.build();
  }

  /** proto3 uint32 arrives as a Java int; values above 2^31 come out negative, so reject them. */
  private static int checkedInt(String field, int value) {
    if (value < 0) {
      throw new InvalidInputException(field, "value out of range: " + Integer.toUnsignedString(value));
    }
    return value;
  }
}
