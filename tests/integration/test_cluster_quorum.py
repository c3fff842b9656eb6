"""Issue 5, the cluster runtime: three cafka-server processes on loopback find each other over
CAF's middleman, elect a controller leader and register all three brokers; after the leader is
killed with SIGKILL another node becomes the active controller and the brokers follow it; the
killed node restarts, rejoins the quorum and registers again.

Evidence comes from the nodes' log lines (the controller's "active controller in term", the
brokers' "registered broker") and from Metadata (every live node lists the registered brokers)."""

import re

from harness import Cluster, check, main, raw_metadata, wait_until

ACTIVE = re.compile(r"controller (\d+): active controller in term (\d+)")
REGISTERED = "registered broker {id} with controller"


def active_controller(cluster, exclude=()):
    """(id, term) of the newest active controller that a live node's log announced."""
    best = None
    for node_id, b in cluster.brokers.items():
        if node_id in exclude or not b.alive():
            continue
        for m in ACTIVE.finditer(b.log_text()):
            term = int(m.group(2))
            if best is None or term > best[1]:
                best = (int(m.group(1)), term)
    return best


def since_last_start(broker):
    """The log of the broker's current run (the harness marks every start)."""
    return broker.log_text().split("=== harness: start #")[-1]


def registrations(broker, node_id):
    return broker.log_text().count(REGISTERED.format(id=node_id))


def test_election_registration_failover_rejoin():
    with Cluster(3) as c:
        leader, term = wait_until(lambda: active_controller(c), 60, "an active controller")
        wait_until(lambda: all(registrations(b, i) >= 1 for i, b in c.brokers.items()), 60,
                   "all three brokers registered")
        c.wait_for_brokers(3)
        # One cluster: every node reports the same cluster id (derived from cluster.nodes).
        ids = {i: raw_metadata(b.host, b.port, [])["cluster_id"] for i, b in c.brokers.items()}
        check(len(set(ids.values())) == 1 and None not in ids.values(),
              f"nodes report different cluster ids: {ids}")

        # SIGKILL the active controller: the two survivors are still a majority.
        c.brokers[leader].kill9()
        new = wait_until(
            lambda: (r := active_controller(c, exclude={leader})) and r[1] > term and r, 60,
            f"a new active controller after controller {leader} was killed")
        check(new[0] != leader, f"controller {leader} was killed but is reported active: {new}")
        # The surviving brokers' lifecycles follow the new leader.
        for i, b in c.brokers.items():
            if i != leader:
                wait_until(lambda b=b: f"active controller is node {new[0]}" in b.log_text(), 30,
                           f"broker {i} follows controller {new[0]}")

        # The killed node restarts, rejoins the quorum and registers with the new leader.
        before = registrations(c.brokers[leader], leader)
        c.brokers[leader].start()
        wait_until(lambda: registrations(c.brokers[leader], leader) > before, 60,
                   f"node {leader} registered again after its restart")
        wait_until(lambda: f"broker {leader} registers at" in c.brokers[new[0]].log_text(), 30,
                   f"controller {new[0]} saw node {leader} register")
        wait_until(lambda: since_last_start(c.brokers[leader]).count("linked to voter") >= 2, 30,
                   f"node {leader}'s controller is linked to both other voters again")
        c.wait_for_brokers(3)


if __name__ == "__main__":
    main([test_election_registration_failover_rejoin])
