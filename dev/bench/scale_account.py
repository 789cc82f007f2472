#!/usr/bin/env python3
"""The scale benchmark's bounds and slot-time account, from its two stamped watches.

  scale_account.py PODS JOBS T0 T1 SLOTS RUNS RUN_SECONDS IDEAL

PODS: lines "<stamp> <pod> <status.startTime> <job-name label> <phase>", one per change of a pod as the watch saw it;
JOBS: lines "<stamp> <job>", one per change of a Job. Stamps are this machine's clock (the API's times have one-second
resolution); T0 is `kubectl create`, T1 the batch's Succeeded.

Prints one line: "ramp bound last even_bound account", the first four as scale.sh has always printed them, then the
account: every slot-second between T0 and T1 is either a pod running (its runs, or beyond them) or idle, and each idle
slot-second is charged to what the work was waiting for at that moment. Divided by the slots, the parts sum to the
makespan, so the gap between the ideal and the makespan is shown part by part.
"""
import datetime
import sys

pods_path, jobs_path = sys.argv[1], sys.argv[2]
t0, t1 = float(sys.argv[3]), float(sys.argv[4])
slots, runs = int(sys.argv[5]), int(sys.argv[6])
run_seconds, ideal = float(sys.argv[7]), float(sys.argv[8])

first_start = {}  # pod -> status.startTime (the API's clock), for the first-wave bounds
created, running, ended, job_of = {}, {}, {}, {}
for line in open(pods_path):
    fields = line.rstrip("\n").split(" ")
    if len(fields) < 5:
        continue
    stamp, pod, start, job, phase = float(fields[0]), fields[1], fields[2], fields[3], fields[4]
    created.setdefault(pod, stamp)
    if job:
        job_of[pod] = job
    if start and pod not in first_start:
        first_start[pod] = datetime.datetime.fromisoformat(start.replace("Z", "+00:00")).timestamp()
    if phase == "Running":
        running.setdefault(pod, stamp)
    elif phase in ("Succeeded", "Failed"):
        running.setdefault(pod, stamp)
        ended.setdefault(pod, stamp)
job_created = {}
for line in open(jobs_path):
    fields = line.split()
    if len(fields) == 2:
        job_created.setdefault(fields[1], float(fields[0]))


def aggregate(job):  # the batch's ranking Job, made after its runs: part of the end, not of the runs' slot time
    return "-aggregate-" in job


for pod in [p for p, j in job_of.items() if aggregate(j)]:
    for d in (created, running, ended, job_of):
        d.pop(pod, None)
job_created = {j: c for j, c in job_created.items() if not aggregate(j)}

# The first-wave bounds (see scale.sh).
starts = sorted(max(0.0, s - t0) for s in first_start.values())[:slots]
ramp = sum(starts) / len(starts) if starts else 0.0
work = runs * run_seconds / slots
last = max((s for s in starts if s < starts[0] + work), default=0.0)

# The account. Events change three counts: pods running, pods made but not running, Jobs without a pod yet. After the
# last Job's creation an idle slot has no run left to take (the tail); after the last run's pod ends, it is the end.
first_pod_of = {}
for pod, job in job_of.items():
    if job not in first_pod_of or created[pod] < created[first_pod_of[job]]:
        first_pod_of[job] = pod
events = []  # (time, d_running, d_pending, d_jobs_without_pod)
for pod, c in created.items():
    r = running.get(pod, t1)
    e = ended.get(pod, t1)
    events += [(c, 0, 1, 0), (r, 1, -1, 0), (e, -1, 0, 0)]
for job, c in job_created.items():
    pod = first_pod_of.get(job)
    events += [(c, 0, 0, 1), (created[pod] if pod else t1, 0, 0, -1)]
last_job = max(job_created.values(), default=t0)
last_end = max(ended.values(), default=t1)
events.sort()
parts = dict(running=0.0, operator=0.0, job_controller=0.0, scheduler=0.0, tail=0.0, end=0.0)
n_running = n_pending = n_jobs = 0
t = t0
for when, d_run, d_pend, d_jobs in events + [(t1, 0, 0, 0)]:
    when = min(max(when, t0), t1)
    span = when - t
    if span > 0:
        idle = max(0, slots - n_running)
        parts["running"] += min(n_running, slots) * span
        if t >= last_end:
            parts["end"] += slots * span
        else:
            scheduler = min(idle, n_pending)
            # While any Job waits for its pod, the Job controller is behind: the operator makes a wave's Jobs at once,
            # so every idle slot without a pod waits for the controller, not for the operator.
            controller = idle - scheduler if n_jobs > 0 else 0
            rest = idle - scheduler - controller
            parts["scheduler"] += scheduler * span
            parts["job_controller"] += controller * span
            parts["tail" if t >= last_job else "operator"] += rest * span
        t = when
    n_running += d_run
    n_pending += d_pend
    n_jobs += d_jobs
per_slot = {k: v / slots for k, v in parts.items()}
beyond = per_slot["running"] - work
account = (f"runs {work:.1f} s, pods beyond their runs {beyond:.1f} s; idle, waiting for: the operator to make a Job "
           f"{per_slot['operator']:.1f} s, the Job controller to make its pod {per_slot['job_controller']:.1f} s, "
           f"the scheduler and kwok {per_slot['scheduler']:.1f} s, nothing (no run left: the last packs) "
           f"{per_slot['tail']:.1f} s; after the last run's pod (a ranking Job, the status) {per_slot['end']:.1f} s; sum {sum(per_slot.values()):.1f} s")
print(f"{ramp:.1f} {ideal / (work + ramp):.2f} {last:.1f} {ideal / (work + last):.2f} {account}")
