package dev.latchkey.core;

import dev.latchkey.core.access.ClusterStatus;
import dev.latchkey.core.access.DisableSupportAccess;
import dev.latchkey.core.access.EnableSupportAccess;
import dev.latchkey.core.access.RoleChecks;
import dev.latchkey.core.grant.EndAccess;
import dev.latchkey.core.grant.GrantExecutor;
import dev.latchkey.core.port.ApproverDirectory;
import dev.latchkey.core.port.AuditLog;
import dev.latchkey.core.port.ClusterAccess;
import dev.latchkey.core.port.EnablementStore;
import dev.latchkey.core.port.Notifier;
import dev.latchkey.core.port.RequestStore;
import dev.latchkey.core.reconcile.ForeignObjects;
import dev.latchkey.core.reconcile.Reconcile;
import dev.latchkey.core.request.CancelRequest;
import dev.latchkey.core.request.DecideRequest;
import dev.latchkey.core.request.ExtendAccess;
import dev.latchkey.core.request.IssueKubeconfig;
import dev.latchkey.core.request.RequestQueries;
import dev.latchkey.core.request.RevokeAccess;
import dev.latchkey.core.request.SubmitRequest;
import dev.latchkey.core.rules.ApproverCheck;
import dev.latchkey.core.timers.DueWork;
import dev.latchkey.core.timers.RemovalWatch;
import dev.latchkey.core.timers.SettleDue;
import java.time.Clock;
import java.util.random.RandomGenerator;

/**
 * Every use case of the core, built once over the ports: the one place that knows how they fit
 * together. Adapters take the use cases they call from here.
 */
public record UseCases(
    ClusterSettings settings,
    SubmitRequest submit,
    DecideRequest decide,
    CancelRequest cancel,
    RevokeAccess revoke,
    ExtendAccess extend,
    IssueKubeconfig kubeconfig,
    EnableSupportAccess enable,
    DisableSupportAccess disable,
    RoleChecks roles,
    ClusterStatus status,
    RequestQueries queries,
    SettleDue settle,
    DueWork due,
    RemovalWatch removals,
    Reconcile reconcile,
    ForeignObjects foreign) {

  /** What the core needs from the world. */
  public record Ports(
      Customers customers,
      RequestStore requests,
      EnablementStore enablements,
      AuditLog audit,
      ClusterAccess clusters,
      Notifier notifier,
      ApproverDirectory directory) {}

  public static UseCases wire(Ports p, Clock clock, RandomGenerator random, RetryPolicy retry) {
    ClusterSettings settings = new ClusterSettings(p.customers(), p.enablements());
    Transition transition = new Transition(p.requests(), p.notifier());
    ApproverCheck approvers = new ApproverCheck(p.customers(), p.directory());
    GrantExecutor grants =
        new GrantExecutor(settings, transition, p.clusters(), p.notifier(), clock, retry);
    EndAccess endAccess = new EndAccess(transition, grants, clock);
    RoleChecks roles = new RoleChecks(settings, p.clusters());
    SettleDue settle = new SettleDue(p.requests(), p.notifier(), clock);
    ForeignObjects foreign = new ForeignObjects();
    return new UseCases(
        settings,
        new SubmitRequest(settings, p.requests(), p.audit(), p.notifier(), clock, random),
        new DecideRequest(settings, transition, p.audit(), approvers, grants, clock),
        new CancelRequest(transition, p.audit(), grants, clock),
        new RevokeAccess(transition, p.audit(), approvers, endAccess, clock),
        new ExtendAccess(settings, p.requests(), p.audit(), p.notifier(), clock, random),
        new IssueKubeconfig(p.requests(), p.audit(), p.clusters(), clock),
        new EnableSupportAccess(settings, p.audit(), approvers, roles, clock),
        new DisableSupportAccess(settings, p.requests(), p.audit(), approvers, endAccess, clock),
        roles,
        new ClusterStatus(settings, p.requests(), foreign),
        new RequestQueries(p.requests(), p.audit()),
        settle,
        new DueWork(p.requests(), settle, grants, clock),
        new RemovalWatch(p.requests(), grants, clock, retry),
        new Reconcile(p.requests(), p.audit(), p.clusters(), grants, endAccess, foreign, clock),
        foreign);
  }
}
