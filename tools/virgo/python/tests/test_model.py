# SPDX-License-Identifier: GPL-2.0
"""A machine-learning round trip in the seed's spirit (AsFer learns, the
kernel obeys): a least-squares model of each node's load, fitted to the
figures virgo.status() reports, becomes the balancer's per-node weights,
written with virgo.analytics; the shares of virgo.clone calls then follow
the weights (Pearson's chi-square)."""

import re
import threading
import time

import virgo

CALLS = 600
CHI2_2DF_P001 = 13.816  # chi-square, 2 degrees of freedom, p = 0.001


def least_squares(xs, ys):
    """(a, b) of the line y = a + b x closest to the points."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    return my - b * mx, b


def model_weights(samples, ahead):
    """Each node's load (runnable tasks + 1-minute average), predicted
    `ahead` seconds past the last sample by its fitted line; the weight
    falls as the load rises: 1000 / (1 + load), 100 at least."""
    weights = {}
    for node, points in samples.items():
        a, b = least_squares([t for t, _ in points], [y for _, y in points])
        load = max(a + b * (points[-1][0] + ahead), 0.0)
        weights[node] = max(100, round(1000 / (1 + load)))
    return weights


def test_balancer_follows_a_learnt_model():
    busy = {}

    def spin():
        # 16 s: the 3 s wait and 10 samples below, and a little more.
        try:
            virgo.clone("py-spin", b"16\0", node=3, exec=True, timeout_ms=120000)
        except OSError as e:
            busy["error"] = e

    # Two busy loops: node 3's run queue stays 2 or more, above what a
    # loaded host makes an idle node report (about 1).
    spinners = [threading.Thread(target=spin) for _ in range(2)]
    for spinner in spinners:
        spinner.start()
    try:
        time.sleep(3)  # node 1 sees node 3's load in its next polls
        samples = {n["id"]: [] for n in virgo.status()}
        start = time.monotonic()
        for _ in range(10):
            now = time.monotonic() - start
            for n in virgo.status():
                samples[n["id"]].append((now, n["runq"] + n["load1"]))
            time.sleep(1)
        weights = model_weights(samples, ahead=10)
        print("samples", samples, "weights", weights)
        # Node 3 runs a busy loop, node 2 nothing: the model says so,
        # clearly enough for the shares to tell the weights from equal.
        assert weights[3] <= 0.8 * weights[2]
        # The busy loop ends before the calls, so that no node is late
        # to answer a poll (a node not up gets no call).
        for spinner in spinners:
            spinner.join()
        assert all(n["state"] == "up" and n["client"] for n in virgo.status())

        virgo.analytics["balancer.policy"] = "prg"
        for node, w in weights.items():
            virgo.analytics["balancer.weight.%d" % node] = w
        assert virgo.analytics["balancer.weight.3"] == str(weights[3])
        with open(virgo.CONFIGFS + "/balancer") as f:
            assert f.read().strip() == "prg"

        counts = dict.fromkeys(weights, 0)
        for _ in range(CALLS):
            m = re.search(rb"node=(\d+)", virgo.clone("node_info"))
            counts[int(m.group(1))] += 1
        total = sum(weights.values())
        chi2 = sum((counts[n] - CALLS * w / total) ** 2 / (CALLS * w / total)
                   for n, w in weights.items())
        print("counts", counts, "chi2 %.3f" % chi2)
        assert chi2 < CHI2_2DF_P001
    finally:
        for node in (1, 2, 3):
            virgo.analytics.pop("balancer.weight.%d" % node, None)
        virgo.analytics.pop("balancer.policy", None)
        for spinner in spinners:
            spinner.join()
    assert "error" not in busy, busy.get("error")
