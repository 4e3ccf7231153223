"""Search strategies for the OR-Tools model: named recipes turned into routing parameters.

Measured on Solomon VRPTW (issue 6, benchmarks/README.md), OR-Tools' guided local search
(GLS) stalls a few per cent above the best-known costs on long-horizon instances, while its
iterated local search (ILS) with SISR ruin-and-recreate and simulated-annealing acceptance,
run without a local-search descent after each perturbation (so it makes tens of iterations a
second rather than two), gets further, and a short GLS afterwards polishes what it found.
Recreate reinserts the removed visits in random order (SISR's most useful order; OR-Tools'
default sorts them by fixed properties, which on Solomon keeps the index order). The
portfolio runs a second ruin-and-recreate trajectory with larger ruins on the second core and
keeps the better plan: GLS from parallel cheapest insertion won on none of the classes.

Temperatures scale with the problem's mean arc cost, so the same recipe fits a Solomon
instance (tenths of a unit) and a Henan day (seconds of driving).

Issue 14: on days of several hundred visits that loop makes only ~20 iterations a second, and
its objective trades priority against driving, so at the default limit driving was 10-20 %
above what the chosen visits need. The recipes now cover, then polish: a short loop chooses
the visits, most of the budget lowers their driving with them held, a few neighbouring
routes at a time (`routeplan.solver.polish`), and a last GLS on the whole day may trade
visits again. Where PyVRP models the day (no breaks, hard windows) it runs beside OR-Tools.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ortools.constraint_solver import (
    pywrapcp,
    routing_enums_pb2,
    routing_heuristic_parameters_pb2,
    routing_ils_pb2,
)
from ortools.util import optional_boolean_pb2

_OFF = optional_boolean_pb2.BOOL_FALSE

#: Large-neighbourhood operators that re-run an insertion heuristic inside every descent;
#: each step costs up to `lns_time_limit`, which tripled the descent time on Solomon.
_SLOW_OPERATORS = (
    "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
    "use_global_cheapest_insertion_visit_types_lns",
    "use_local_cheapest_insertion_visit_types_lns",
)


@dataclass(frozen=True, slots=True)
class Strategy:
    """One search recipe.

    `ruin_share` is the part of the budget spent in ruin-and-recreate ILS before a GLS
    polish (0: GLS only). Temperatures are multiples of the mean arc cost.
    `polish_share` splits a cover-then-polish search: after the ILS that chooses the visits
    (`ruin_share`), the same ILS and a GLS minimise driving with the chosen visits held
    (as must-visits, the others out) for this part of the budget; the rest is a GLS on the
    whole day from the polished plan, free to trade visits again. On a day where every
    visit is a must-visit there is nothing to choose, and the polish time goes to the ILS.
    """

    name: str
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    ruin_share: float = 0.0
    polish_share: float = 0.0
    #: after a polish, the last part of the budget goes to ruin-and-recreate on the whole
    #: day (True) rather than to a GLS
    trade_ils: bool = False
    ruin_avg_removed: int = 10
    ruin_max_sequence: int = 10
    ruin_random_walk: int = 0  # visits a random-walk ruin removes, used in turn with SISR
    #: order in which recreate reinserts the removed visits (OR-Tools sorting properties,
    #: without the SORTING_PROPERTY_ prefix); empty: OR-Tools' default
    recreate_order: tuple[str, ...] = ()
    temperature_start: float = 3.0
    temperature_end: float = 0.03
    slow_operators: bool = False
    #: "ortools", or "pyvrp" for PyVRP's iterated local search where it models the day
    #: (`routeplan.solver.pyvrp_engine`; elsewhere the first portfolio recipe runs instead)
    engine: str = "ortools"

    def __post_init__(self) -> None:
        if not 0.0 <= self.ruin_share <= 1.0:
            raise ValueError(f"ruin_share {self.ruin_share} is not in [0, 1]")
        if not 0.0 <= self.polish_share <= 1.0 - self.ruin_share:
            raise ValueError(f"polish_share {self.polish_share} is not in [0, 1 - ruin_share]")
        if self.engine not in ("ortools", "pyvrp"):
            raise ValueError(f"engine {self.engine!r} is not 'ortools' or 'pyvrp'")
        getattr(routing_enums_pb2.FirstSolutionStrategy, self.first_solution)
        getattr(routing_enums_pb2.LocalSearchMetaheuristic, self.metaheuristic)


#: Cover then polish: 15 % ruin-and-recreate on the whole day chooses the visits (at least
#: `routing_model.COVER_S_PER_VISIT` per visit, at most `COVER_MAX`), 50 % the neighbourhood
#: polish with them held, the rest ruin-and-recreate on the whole day from the polished
#: plan, free to trade visits again, then a polish of what it traded in. Measured on the
#: 100/300/600-visit days (benchmarks/README.md, issue 14): driving 92 / 70 / 68 h at
#: 600 visits and 10 / 30 / 120 s instead of 110 / 98 / 73 h; with a GLS as the last
#: phase driving was lower at 600 visits but 300 visits at 10 s planned less priority.
RUIN_RECREATE = Strategy("ruin-recreate+gls", ruin_share=0.15, polish_share=0.5,
                         trade_ils=True, recreate_order=("RANDOM",))
#: The same with larger ruins in the cover: a second, independent trajectory for the
#: portfolio's second process on days PyVRP does not model.
RUIN_RECREATE_WIDE = Strategy("ruin-recreate-wide+gls", ruin_share=0.15, polish_share=0.5,
                              trade_ils=True, ruin_avg_removed=15,
                              ruin_max_sequence=15, recreate_order=("RANDOM",))
#: Parallel cheapest insertion then GLS: OR-Tools' usual recipe (by name only).
GUIDED = Strategy("gls")
#: PyVRP's iterated local search: on the VRPTW classes an order of magnitude closer to the
#: best-known costs than OR-Tools at the same time (issue 14); days with breaks or soft
#: windows it does not model stay on OR-Tools.
PYVRP = Strategy("pyvrp", engine="pyvrp")
#: What the portfolio runs, one per process, in order of preference on a tie.
PORTFOLIO: tuple[Strategy, ...] = (RUIN_RECREATE, RUIN_RECREATE_WIDE)
#: The portfolio on a day PyVRP models: PyVRP in this process (it is the stronger there, and
#: a child loses its start-up second), OR-Tools in the second; one process runs OR-Tools.
PORTFOLIO_PYVRP: tuple[Strategy, ...] = (PYVRP, RUIN_RECREATE)
STRATEGIES = {s.name: s for s in (*PORTFOLIO, GUIDED, PYVRP)}

def base_parameters(strategy: Strategy, time_limit_s: float,
                    solution_limit: int | None) -> Any:
    """Routing parameters for a descent + metaheuristic phase (GLS by default)."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, strategy.first_solution)
    params.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, strategy.metaheuristic)
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if solution_limit is not None:
        params.solution_limit = solution_limit
    if not strategy.slow_operators:
        for name in _SLOW_OPERATORS:
            setattr(params.local_search_operators, name, _OFF)
    return params


def temperature(strategy: Strategy, mean_arc_cost: float, progress: float) -> float:
    """The annealing temperature `progress` (0 to 1) of the way through the ILS budget.

    OR-Tools' exponential schedule, T(p) = T0 * (Tf / T0) ** p, written out so that a run
    cut into slices can give each slice its own part of one schedule.
    """
    scale = max(1.0, mean_arc_cost)
    start = strategy.temperature_start * scale
    end = max(1e-3, strategy.temperature_end * scale)
    if progress <= 0.0:
        return start
    if progress >= 1.0:
        return end
    return float(start * (end / start) ** progress)


def ruin_parameters(strategy: Strategy, time_limit_s: float, solution_limit: int | None,
                    mean_arc_cost: float, span: tuple[float, float] = (0.0, 1.0)) -> Any:
    """Routing parameters for SISR ruin-and-recreate ILS with simulated annealing.

    `span` is the part of the overall cooling schedule this run covers (fractions of the
    ILS budget): the whole of it for one run, [a, b] for a slice of a sliced run.
    """
    params = base_parameters(strategy, time_limit_s, solution_limit)
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    params.use_iterated_local_search = True
    ils = params.iterated_local_search_parameters
    ils.perturbation_strategy = routing_ils_pb2.PerturbationStrategy.RUIN_AND_RECREATE
    # A descent after every perturbation costs ~0.4 s on 100 visits; without it the loop
    # makes ~50 iterations a second and finds better days in the same time.
    ils.improve_perturbed_solution = False
    rr = ils.ruin_recreate_parameters
    del rr.ruin_strategies[:]
    sisr = rr.ruin_strategies.add().sisr
    sisr.avg_num_removed_visits = strategy.ruin_avg_removed
    sisr.max_removed_sequence_size = strategy.ruin_max_sequence
    sisr.bypass_factor = 0.01
    if strategy.ruin_random_walk:
        rr.ruin_strategies.add().random_walk.num_removed_visits = strategy.ruin_random_walk
        rr.ruin_composition_strategy = routing_ils_pb2.RuinCompositionStrategy.RUN_ONE_RANDOMLY
    rr.recreate_strategy.heuristic = (
        routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION)
    lci = rr.recreate_strategy.parameters.local_cheapest_insertion
    for name in strategy.recreate_order:
        lci.insertion_sorting_properties.append(getattr(
            routing_heuristic_parameters_pb2.LocalCheapestInsertionParameters,
            f"SORTING_PROPERTY_{name}"))
    sa = ils.reference_solution_acceptance_strategy.simulated_annealing
    sa.cooling_schedule_strategy = routing_ils_pb2.CoolingScheduleStrategy.EXPONENTIAL
    sa.automatic_temperatures = False
    sa.initial_temperature = temperature(strategy, mean_arc_cost, span[0])
    sa.final_temperature = temperature(strategy, mean_arc_cost, span[1])
    return params
