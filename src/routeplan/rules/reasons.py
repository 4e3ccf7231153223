"""Dispatcher-facing explanations of why a visit is unassigned, in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass

from routeplan.domain.plan import Reason


@dataclass(frozen=True, slots=True)
class Explanation:
    """A reason with what would make the visit fit, for the dispatcher."""

    reason: Reason
    detail: str  # Simplified Chinese
    detail_en: str


def explain(reason: Reason, zh: str, en: str) -> Explanation:
    return Explanation(reason, zh, en)


def do_not_visit() -> Explanation:
    return explain(
        Reason.DO_NOT_VISIT,
        "案件标记为禁止上门（投诉、争议或特殊客户），不安排外访；解除标记后方可安排。",
        "The case is flagged do-not-visit (complaint, dispute or vulnerable customer); "
        "it can be planned only after the flag is cleared.",
    )


def cancelled() -> Explanation:
    return explain(
        Reason.CANCELLED,
        "调度已取消该案件今日的外访；如需外访，请在之后的计划中重新安排。",
        "A dispatcher cancelled this visit for today; plan it again on another day if it is "
        "still needed.",
    )


def holiday(name: str) -> Explanation:
    return explain(
        Reason.HOLIDAY,
        f"当天为{name}，按政策不安排外访；请改到工作日。",
        f"The date is {name}; the policy plans no visits that day. Move it to a workday.",
    )


def workplace_without_consent() -> Explanation:
    return explain(
        Reason.WORKPLACE_WITHOUT_CONSENT,
        "单位地址外访须经客户同意；记录同意后或改为住址外访方可安排。",
        "A workplace visit needs the borrower's recorded consent; record it or plan a home "
        "visit instead.",
    )


def too_recent(days_since: int | None, min_days: int, last7: int, cap: int) -> Explanation:
    if days_since is not None and days_since < min_days:
        wait = min_days - days_since
        return explain(
            Reason.VISITED_TOO_RECENTLY,
            f"距上次外访仅{days_since}天，政策要求至少间隔{min_days}天；{wait}天后可安排。",
            f"Last visited {days_since} day(s) ago; the policy requires {min_days}. "
            f"It can be planned in {wait} day(s).",
        )
    return explain(
        Reason.VISITED_TOO_RECENTLY,
        f"近7天已外访{last7}次，达到每周上限{cap}次；请待频次回落后再安排。",
        f"Visited {last7} time(s) in the last 7 days, the weekly cap of {cap}; "
        "plan it once the count drops.",
    )


def same_borrower(other_visit: str) -> Explanation:
    return explain(
        Reason.SAME_BORROWER_SAME_DAY,
        f"同一客户当天已安排外访（{other_visit}），每位客户每天最多一次。",
        f"Another visit to this borrower is planned today ({other_visit}); "
        "at most one visit per borrower per day.",
    )


def outside_lawful(window: str, service_min: int, consented: bool) -> Explanation:
    if consented:
        return explain(
            Reason.OUTSIDE_LAWFUL_HOURS,
            f"客户同意的时段{window}放不下{service_min}分钟的外访；请与客户重新约定时段。",
            f"The consented window {window} cannot hold a {service_min}-minute visit; "
            "agree a longer window with the borrower.",
        )
    return explain(
        Reason.OUTSIDE_LAWFUL_HOURS,
        f"客户可见时段{window}与合法外访时间08:00–22:00重叠不足{service_min}分钟；"
        "需客户同意并登记约定时段方可安排。",
        f"The borrower's window {window} leaves less than {service_min} minutes inside the "
        "lawful 08:00-22:00; it needs a recorded appointment with consent.",
    )


def outside_company(window: str, company: str, service_min: int) -> Explanation:
    return explain(
        Reason.OUTSIDE_COMPANY_WINDOW,
        f"客户时段{window}与公司外访时段{company}重叠不足{service_min}分钟；"
        "调整预约时段或放宽公司时段后可安排。",
        f"The borrower's window {window} leaves less than {service_min} minutes inside the "
        f"company window {company}; change the appointment or relax the company window.",
    )


def no_eligible_team(why_zh: str, why_en: str) -> Explanation:
    return explain(
        Reason.NO_ELIGIBLE_TEAM,
        f"没有符合条件的外访组：{why_zh}。",
        f"No eligible team: {why_en}.",
    )


def unreachable(why_zh: str, why_en: str) -> Explanation:
    return explain(
        Reason.UNREACHABLE,
        f"没有外访组能在班次内往返并在时段内完成：{why_zh}。",
        f"No team can reach it and get back within its shift and the visit's window: {why_en}.",
    )


def over_capacity(priority: int) -> Explanation:
    return explain(
        Reason.OVER_CAPACITY,
        f"可单独安排，但当天运力已用于更高优先级的案件（本案优先级{priority}）；"
        "提高优先级、增加外访组或改期即可安排。",
        f"Feasible on its own but left out for higher-priority work (priority {priority}); "
        "raise its priority, add a team or move it to another day.",
    )


def invalid_location(zh: str, en: str) -> Explanation:
    return explain(Reason.INVALID_LOCATION, zh, en)


#: Short Chinese names of the reasons a visit was not routed, as the dispatcher reads them
#: on the overview, the console and the exports.
SHORT_ZH: dict[Reason, str] = {
    Reason.DO_NOT_VISIT: "标记为不予外访",
    Reason.CANCELLED: "调度已取消",
    Reason.HOLIDAY: "法定节假日",
    Reason.INVALID_LOCATION: "位置无法确定",
    Reason.WORKPLACE_WITHOUT_CONSENT: "单位地址未获同意",
    Reason.VISITED_TOO_RECENTLY: "近期已拜访",
    Reason.SAME_BORROWER_SAME_DAY: "同一客户当日已安排",
    Reason.OUTSIDE_LAWFUL_HOURS: "超出合法时段",
    Reason.OUTSIDE_COMPANY_WINDOW: "超出公司时段",
    Reason.NO_ELIGIBLE_TEAM: "无合适外访组",
    Reason.UNREACHABLE: "班次内无法到达",
    Reason.OVER_CAPACITY: "当日运力不足",
}
