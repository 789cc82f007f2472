package dev.fanout.operator.config;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;

/**
 * Leader election on a Lease, for more than one operator replica (the Helm chart turns it on): only the leader
 * reconciles; a standby takes over when the leader's lease is not renewed (its pod killed or its node gone), within the
 * lease duration (15 s). Off by default, so an operator run by hand or by the tests needs no Lease permission.
 */
public class LeaderElection {
    /** The Quarkus Operator SDK looks this bean up at start; null (a dependent bean may be) means no leader election. */
    @Produces
    @Dependent
    LeaderElectionConfiguration leaderElection(FanoutConfig config) {
        FanoutConfig.LeaderElection le = config.leaderElection();
        // No namespace: the one the client runs in (in a pod, its own), where the chart grants Lease access.
        return le.enabled() ? new LeaderElectionConfiguration(le.leaseName(), le.leaseNamespace().orElse(null)) : null;
    }
}
