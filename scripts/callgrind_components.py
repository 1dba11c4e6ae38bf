#!/usr/bin/env python3
"""Where a callgrind profile's instructions and allocations go, per component of notion-sim.

    valgrind --tool=callgrind --callgrind-out-file=OUT \
        --toggle-collect='notion_sim::scenarios::RunScenario*' \
        build/dev/bench/scenarios_bench --benchmark_filter=Mix/day_3rps --benchmark_min_time=0.001
    scripts/callgrind_components.py OUT [--per N | --per-calls FUNCTION] [--top K]
      --per N             also divide by N (the operations of the run)
      --per-calls F       ... by the number of calls of function F (name prefix), e.g.
                          'notion_sim::engine::Runner::Arrive(' (one per operation)
      --top K             the K costliest functions of each component

Every function of ours (its name starts with `notion_sim::`) keeps its own instructions and is
put in a component by the file it was compiled from (the table below). The instructions of
library code (malloc, nlohmann::json, libstdc++, libcrypto, lambdas' std::function glue) go to
the functions of ours that called it, split in proportion to what each call edge cost, so an
allocation counts against the component that asked for it. Allocations are the calls that reach
malloc, attributed the same way (by call counts).
"""
import collections
import re
import sys

# (component, regex on the source file of a function of ours); first match wins.
COMPONENTS = [
    ("loop (SimLoop, TimerQueue, Task)", r"engine/(src|include/notion_sim/engine)/(sim_loop|timer_queue|task)"),
    ("runner + trace core", r"engine/src/(runner|trace)\.cc|engine/include/notion_sim/engine/trace"),
    ("engine (other)", r"engine/"),
    ("invariant checkers", r"checks/src/invariants"),
    ("metrics", r"checks/src/metrics"),
    ("checks (other)", r"checks/"),
    ("health + error budget + alerts", r"policies/src/(health|error_budget)"),
    ("stack: idempotency key", r"policies/src/idempotency"),
    ("stack (pipeline and policies)", r"policies/"),
    ("network model (in-process door)", r"simulator/src/in_process"),
    ("fake (model, rate limits, faults, journal)", r"simulator/"),
    ("workload + world (scenarios)", r"scenarios/"),
]


# For a function whose first instruction came from a header of the standard library: its name.
BY_NAME = [
    ("loop (SimLoop, TimerQueue, Task)", r"^notion_sim::engine::(SimLoop|TimerQueue|Task)::"),
    ("runner + trace core", r"^notion_sim::engine::(Runner|Trace)::"),
    ("engine (other)", r"^notion_sim::engine::"),
    ("invariant checkers", r"^notion_sim::checks::(\w*Checker|InvariantSuite|EvidenceLog)"),
    ("metrics", r"^notion_sim::checks::Metrics"),
    ("checks (other)", r"^notion_sim::checks::"),
    ("health + error budget + alerts", r"^notion_sim::policies::(ErrorBudget|AlertMonitor|Health)"),
    ("stack: idempotency key", r"^notion_sim::policies::(CanonicalOpJson|Idempotency)"),
    ("stack (pipeline and policies)", r"^notion_sim::policies::"),
    ("network model (in-process door)", r"^notion_sim::sim::InProcess"),
    ("fake (model, rate limits, faults, journal)", r"^notion_sim::sim::"),
    ("workload + world (scenarios)", r"^notion_sim::scenarios::"),
]


def component_of(fl, fn=""):
    for name, rx in COMPONENTS:
        if re.search(rx, fl):
            return name
    for name, rx in BY_NAME:
        if re.search(rx, fn):
            return name
    return None


def parse(path):
    names = {"fl": {}, "fn": {}}
    self_cost = collections.Counter()  # fn -> Ir
    fn_file = {}
    edges = collections.defaultdict(lambda: [0, 0])  # (caller, callee) -> [calls, Ir]
    fn = fl = None
    call = None  # (callee, count) awaiting its cost line
    summary = 0

    def name(kind, text):
        m = re.match(r"\((\d+)\)(?: (.*))?", text)
        if not m:
            return text
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), text)

    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if call is not None:
                    e = edges[(fn, call[0])]
                    e[0] += call[1]
                    e[1] += cost
                    call = None
                else:
                    self_cost[fn] += cost
                continue
            key, _, rest = line.partition("=")
            if key == "fl":
                fl = name("fl", rest)
            elif key in ("fi", "fe"):
                name("fl", rest)
            elif key == "fn":
                fn = name("fn", rest)
                fn_file.setdefault(fn, fl)
            elif key == "cfn":
                callee = name("fn", rest)
            elif key in ("cfl", "cfi"):
                name("fl", rest)
            elif key == "calls":
                call = (callee, int(rest.split()[0]))
            elif line.startswith("summary:"):
                summary = int(line.split()[1])
    return self_cost, fn_file, edges, summary


def ours(fn):
    return fn is not None and fn.startswith("notion_sim::")


def attribute(self_cost, fn_file, edges, weight):
    """Pushes the cost of functions not ours up to their callers until it reaches ours."""
    callers = collections.defaultdict(list)
    for (a, b), (calls, ir) in edges.items():
        if a != b:
            callers[b].append((a, calls if weight == "calls" else ir))
    pending = collections.Counter({f: c for f, c in self_cost.items() if not ours(f) and c})
    per_fn = collections.Counter({f: c for f, c in self_cost.items() if ours(f)})
    unowned = 0
    for _ in range(200):
        if not pending:
            break
        nxt = collections.Counter()
        for f, c in pending.items():
            total = sum(w for _, w in callers[f])
            if total == 0:
                unowned += c
                continue
            for a, w in callers[f]:
                share = c * w / total
                if ours(a):
                    per_fn[a] += share
                else:
                    nxt[a] += share
        pending = nxt
    unowned += sum(pending.values())
    comp = collections.Counter()
    for f, c in per_fn.items():
        comp[component_of(fn_file.get(f) or "", f) or "other (ours)"] += c
    return comp, unowned, per_fn


def main():
    args = sys.argv[1:]
    per = 1
    if "--per" in args:
        i = args.index("--per")
        per = float(args[i + 1])
        del args[i : i + 2]
    self_cost, fn_file, edges, summary = parse(args[0])
    if "--per-calls" in args:  # per call of a function, e.g. notion_sim::engine::Runner::Arrive()
        i = args.index("--per-calls")
        target = args[i + 1]
        del args[i : i + 2]
        per = sum(calls for (a, b), (calls, _) in edges.items() if b.startswith(target) and a != b)
    top = 0
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i : i + 2]
    ir, unowned, ir_fn = attribute(self_cost, fn_file, edges, "ir")
    # Allocation counts: the calls that reach malloc, pushed up like instructions.
    mallocs = collections.Counter()
    for (a, b), (calls, _) in edges.items():
        if b == "malloc":
            mallocs[a] += calls
    alloc, alloc_unowned, alloc_fn = attribute(mallocs, fn_file, edges, "calls")
    total_alloc = sum(mallocs.values())
    print(f"total Ir {summary:,}  mallocs {total_alloc:,}" + (f"  (per {per:,.0f}: Ir {summary / per:,.0f}, mallocs {total_alloc / per:,.1f})" if per != 1 else ""))
    print(f"| component | Ir | share | Ir per op | mallocs per op |")
    print(f"|---|---|---|---|---|")
    rows = sorted(ir.items(), key=lambda kv: -kv[1])
    for name, c in rows:
        print(f"| {name} | {c:,.0f} | {100 * c / summary:.1f} % | {c / per:,.0f} | {alloc.get(name, 0) / per:,.1f} |")
    if top:
        by_comp = collections.defaultdict(list)
        for f, c in ir_fn.items():
            by_comp[component_of(fn_file.get(f) or "", f) or "other (ours)"].append((c, f))
        for name, _ in rows:
            print(f"\n{name}:")
            for c, f in sorted(by_comp[name], reverse=True)[:top]:
                print(f"  {c / per:10,.0f} Ir {alloc_fn.get(f, 0) / per:5.1f} mallocs  {f[:150]}")
    print(f"| not attributed (outside our code) | {unowned:,.0f} | {100 * unowned / summary:.1f} % | {unowned / per:,.0f} | {alloc_unowned / per:,.1f} |")


if __name__ == "__main__":
    main()
