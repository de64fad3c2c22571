-- Each cluster's timer work is looked up on its own (a slow cluster must not hold up the others), so the due
-- query also runs per cluster: customer, cluster, then the due instant.
CREATE INDEX requests_cluster_due_idx ON requests (customer, cluster, due_at);
