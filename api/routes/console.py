"""/console: the dispatcher's console in Simplified Chinese, pages from fixed templates.

Signing in with a key opens a server-side session (cookie HttpOnly, SameSite=Strict, Secure
over HTTPS); every form carries the session's CSRF token and a POST from a foreign origin is
refused. Roles are the API's: dispatchers plan, analysts also see comparisons and policies,
admins also keys. The pages are Jinja2 templates read from files with autoescape on; they
receive values only. Scripts are static files (CSP script-src 'self'); the forms work without
them, from a browser or a script.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from routeplan.domain.clock import SHANGHAI
from routeplan.domain.errors import InputProblem, InvalidInput
from routeplan_api.deps import Caller, Services, ServicesDep
from routeplan_api.errors import ApiError
from routeplan_api.jobs.runner import region_locator
from routeplan_api.persistence import Inputs, JobStatus, PlanRead, SessionInfo
from routeplan_api.routes import plans as plan_routes
from routeplan_api.routes import replan as replan_routes
from routeplan_api.schemas.analysis import ReplanIn
from routeplan_api.security import Role, digest
from routeplan_api.services import console as view
from routeplan_api.services.mapping import sign_overview
from routeplan_api.services.plans import contract_of
from routeplan_api.services.zh import location_zh, message_zh

router = APIRouter(prefix="/console", include_in_schema=False)

COOKIE = "rp_console"
LOGIN_COOKIE = "rp_console_login"
#: The console's own policy: nothing inline, nothing from elsewhere; it frames only this
#: service's overview map (which admits being framed by the same origin only).
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
_HERE = Path(__file__).resolve().parents[1]
_STATIC = _HERE / "static" / "console"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_env = Environment(loader=FileSystemLoader(_HERE / "templates" / "console"),
                   autoescape=select_autoescape(default=True, default_for_string=True),
                   trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True, slots=True)
class Console:
    """The signed-in user of a request: the key behind the session and its form token."""

    caller: Caller
    csrf: str
    token: str

    @property
    def role(self) -> Role:
        return self.caller.role


def _secure(request: Request, services: Services) -> bool:
    return (request.url.scheme == "https"
            or services.settings.public_base_url.startswith("https://"))


def _page(name: str, status: int = 200, *, who: Console | None = None,
          **values: Any) -> HTMLResponse:
    html = _env.get_template(name).render(
        who=who, role=who.role.label if who else "", csrf=who.csrf if who else "",
        can_analyse=bool(who and who.role >= Role.ANALYST),
        can_admin=bool(who and who.role >= Role.ADMIN), **values)
    # same-origin: the browser names this origin on the console's own POSTs (checked), and
    # still sends no referrer to anyone else (a field link opened from here included)
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": CSP,
                                                           "Referrer-Policy": "same-origin"})


def _who(request: Request, services: Services) -> Console | None:
    token = request.cookies.get(COOKIE, "")
    info: SessionInfo | None = services.store.sessions.get(token) if token else None
    if info is None:
        return None
    key = services.store.keys.by_id(info.key_id)  # a revoked or expired key ends its sessions
    if key is None or key.revoked_at is not None or (
            key.expires_at is not None and key.expires_at <= services.clock()):
        return None
    request.state.key_id = key.id
    return Console(Caller(key.id, Role.parse(info.role)), info.csrf, token)


def _signed_in(request: Request, services: Services, role: Role = Role.DISPATCHER) -> Console:
    """The request's user, or a redirect to sign-in (303) or the refusal page (403)."""
    who = _who(request, services)
    if who is None:
        raise HTTPException(303, headers={"Location": "/console/login"})
    if who.role < role:
        raise _Refused(who, f"需要{_ROLE_ZH[role]}权限")
    return who


_ROLE_ZH = {Role.DISPATCHER: "调度员", Role.ANALYST: "分析员", Role.ADMIN: "管理员"}


class _Refused(Exception):
    def __init__(self, who: Console | None, reason: str) -> None:
        super().__init__(reason)
        self.who, self.reason = who, reason


def _same_origin(request: Request, services: Services) -> bool:
    """A POST from this site: no foreign Origin, no cross-site fetch metadata."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True  # a script or an old browser; the CSRF token still has to match
    if origin == "null":  # a browser that hides it; its fetch metadata must say same-origin
        return fetch_site == "same-origin"
    host = request.headers.get("host", "")
    own = {f"{request.url.scheme}://{host}", services.settings.public_base_url}
    return origin in own


async def _form(request: Request, services: Services, who: Console, *, max_files: int,
                max_fields: int) -> FormData:
    """The POSTed form, refused (403) from a foreign origin or without this session's token."""
    if not _same_origin(request, services):
        raise _Refused(who, "请求来自其他网站，已拒绝")
    form = await request.form(max_files=max_files, max_fields=max_fields)
    sent = form.get("csrf")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, who.csrf):
        await form.close()
        raise _Refused(who, "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")
    return form


def refused_page(exc: _Refused) -> HTMLResponse:
    return _page("refused.html", 403, who=exc.who, reason=exc.reason)


# -- sign-in -------------------------------------------------------------------------------

@router.get("", response_class=HTMLResponse)
def home() -> Response:
    return RedirectResponse("/console/plans", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, services: ServicesDep) -> Response:
    return _login(request, services, 200, "")


def _login(request: Request, services: Services, status: int, error: str) -> Response:
    token = secrets.token_urlsafe(24)
    response = _page("login.html", status, login_csrf=token, error=error)
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, path="/console", httponly=True,
                        samesite="strict", secure=_secure(request, services))
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, services: ServicesDep) -> Response:
    if not _same_origin(request, services):
        return _page("refused.html", 403, reason="请求来自其他网站，已拒绝")
    form = await request.form(max_files=0, max_fields=4)
    sent, expected = form.get("csrf"), request.cookies.get(LOGIN_COOKIE, "")
    if not (isinstance(sent, str) and expected and hmac.compare_digest(sent, expected)):
        return _login(request, services, 403, "登录表单已过期，请重新输入")
    key = form.get("key")
    row = (await run_in_threadpool(services.store.keys.load, digest(key.strip()))
           if isinstance(key, str) and key.strip() else None)
    now = services.clock()
    if row is None or row.revoked_at is not None or (
            row.expires_at is not None and row.expires_at <= now):
        return _login(request, services, 401, "密钥无效、已吊销或已过期")
    lifetime = timedelta(hours=services.settings.console_session_hours)
    token, _ = await run_in_threadpool(services.store.sessions.create, row.id, row.role,
                                       lifetime)
    response = RedirectResponse("/console/plans", status_code=303)
    response.set_cookie(COOKIE, token, max_age=int(lifetime.total_seconds()), path="/console",
                        httponly=True, samesite="strict", secure=_secure(request, services))
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    return response


@router.post("/logout", response_class=HTMLResponse)
async def logout(request: Request, services: ServicesDep) -> Response:
    try:
        who = _signed_in(request, services)
        await _form(request, services, who, max_files=0, max_fields=2)
    except _Refused as exc:
        return refused_page(exc)
    await run_in_threadpool(services.store.sessions.revoke, who.token)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


@router.get("/static/{name}")
def static(name: str) -> Response:
    path = _STATIC / name
    if name not in _ASSETS:
        raise HTTPException(404, "no such file")
    return Response(path.read_bytes(), media_type=_TYPES[path.suffix],
                    headers={"Cache-Control": "public, max-age=3600"})


_ASSETS = frozenset(p.name for p in _STATIC.glob("*") if p.suffix in _TYPES)


# -- plans -----------------------------------------------------------------------------------

def _today(services: Services) -> str:
    return services.clock().astimezone(SHANGHAI).date().isoformat()


def _list_values(services: Services, day: str | None) -> dict[str, Any]:
    from datetime import date as date_type

    chosen = None
    if day:
        try:
            chosen = date_type.fromisoformat(day)
        except ValueError:
            chosen = None
    rows = services.store.plans.list_page(day=chosen, limit=100, offset=0)
    items = [{"plan_id": s.plan.id, "date": s.plan.day.isoformat(), "version": s.version.version,
              "status": s.version.status, "status_zh": view.STATUS_ZH.get(s.version.status, ""),
              "created": s.plan.created_at.astimezone(SHANGHAI).strftime("%m-%d %H:%M"),
              **plan_routes.plan_counts(s)} for s in rows]
    policies = ["default", *(p.name for p in services.store.policies.latest()
                             if p.name != "default")]
    return {"items": items, "day": chosen.isoformat() if chosen else "",
            "today": _today(services), "policies": policies}


@router.get("/plans", response_class=HTMLResponse)
def plan_list(request: Request, services: ServicesDep,
              date: Annotated[str | None, Query(max_length=10)] = None) -> Response:
    try:
        who = _signed_in(request, services)
    except _Refused as exc:
        return refused_page(exc)
    return _page("plans.html", who=who, problems=[], warnings=[], form={},
                 **_list_values(services, date))


@router.post("/plans", response_class=HTMLResponse)
async def plan_create(request: Request, services: ServicesDep) -> Response:
    try:
        who = _signed_in(request, services)
        form = await _form(request, services, who, max_files=2, max_fields=12)
    except _Refused as exc:
        return refused_page(exc)
    confirmed = form.get("confirm") == "1"
    echo = {k: form.get(k) for k in ("date", "policy", "time_limit_s")
            if isinstance(form.get(k), str)}
    try:
        body, inputs = await plan_routes.form_inputs(form)
        state, warnings = await run_in_threadpool(
            plan_routes.submit, services, who.caller, body, inputs, hold_if_warned=not confirmed)
    except InvalidInput as exc:
        problems = [_problem(p) for p in exc.problems]
        values = _list_values(services, None)
        return _page("plans.html", 422, who=who, problems=problems, warnings=[], form=echo,
                     **values)
    if state is None:  # warned: the dispatcher decides, the files are chosen again
        return _page("plans.html", 200, who=who, problems=[], form=echo,
                     warnings=[{"code": w.code, "message": w.message,
                                "message_zh": w.message_zh} for w in warnings],
                     **_list_values(services, None))
    return RedirectResponse(f"/console/plans/{state.plan.id}", status_code=303)


def _problem(p: InputProblem) -> dict[str, str]:
    return {"where": location_zh(p.location), "what": message_zh(p.message),
            "location": p.location, "message": p.message}


def _read(services: Services, who: Console, plan_id: str, version: int | None,
          what: str) -> PlanRead | None:
    read = services.store.plans.read(plan_id, version, (who.caller.actor, f"console:{what}"))
    return read if read is not None and read.found else None


def _progress(services: Services, read: PlanRead) -> dict[str, Any]:
    state = services.store.plans.get_version(read.plan_id, read.version)
    limit = float(state[1].time_limit_s) if state else 0.0
    progress = json.loads(read.progress) if read.progress else {}
    elapsed = float(progress.get("elapsed_s") or 0.0)
    status = str(read.status)
    return {"status": status, "status_zh": view.STATUS_ZH.get(status, status),
            "finished": JobStatus(status).finished, "elapsed_s": round(elapsed, 1),
            "time_limit_s": limit, "left_s": max(0, round(limit - elapsed)),
            "planned": progress.get("planned"), "solutions": progress.get("solutions", 0),
            "stopped": bool(progress.get("stopped"))}


@router.get("/plans/{plan_id}/progress.json")
def plan_progress(plan_id: str, request: Request, services: ServicesDep) -> Response:
    who = _who(request, services)
    if who is None:
        return Response(json.dumps({"error": "signed_out"}), status_code=401,
                        media_type="application/json")
    read = _read(services, who, plan_id, None, "progress")
    if read is None:
        return Response(json.dumps({"error": "not_found"}), status_code=404,
                        media_type="application/json")
    return Response(json.dumps(_progress(services, read), ensure_ascii=False),
                    media_type="application/json")


def _contract_of(services: Services, plan_id: str, version: int) -> dict[str, Any] | None:
    text = services.store.plans.plan_json(plan_id, version)
    return None if text is None else contract_of(plan_id, version, text)


def _earlier(services: Services, read: PlanRead) -> list[dict[str, Any]]:
    """The KPIs of every finished version, newest first, to set side by side."""
    out = []
    for v in sorted(read.versions, reverse=True):
        contract = _contract_of(services, read.plan_id, v)
        if contract is not None:
            out.append({"version": v, **view.kpi_summary(contract)})
    return out


def _beside(services: Services, read: PlanRead, contract: dict[str, Any]
            ) -> tuple[int, list[view.TeamChange]] | None:
    """The finished version before this one, and each team's day in both."""
    for v in sorted((v for v in read.versions if v < read.version), reverse=True):
        before = _contract_of(services, read.plan_id, v)
        if before is not None:
            return v, view.team_changes(before, contract)
    return None


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(plan_id: str, request: Request, services: ServicesDep,
              version: Annotated[int | None, Query(ge=1, le=100_000)] = None,
              reason: Annotated[str, Query(max_length=40)] = "",
              prefecture: Annotated[str, Query(max_length=20)] = "") -> Response:
    try:
        who = _signed_in(request, services)
    except _Refused as exc:
        return refused_page(exc)
    read = _read(services, who, plan_id, version, "plan")
    if read is None:
        return _page("refused.html", 404, who=who, reason="没有这个规划")
    values: dict[str, Any] = {"plan_id": plan_id, "day": read.day.isoformat(),
                              "version": read.version, "versions": list(read.versions),
                              "progress": _progress(services, read), "error": None,
                              "now": services.clock().astimezone(SHANGHAI).strftime("%H:%M")}
    if read.error:
        err = json.loads(read.error)
        values["error"] = {"message": err.get("message_zh") or err.get("message", ""),
                           "problems": [_problem(InputProblem(p.get("location", ""),
                                                              p.get("message", "")))
                                        for p in err.get("problems", [])]}
    contract = _contract_of(services, plan_id, read.version) if read.status == "done" else None
    if contract is not None:
        values.update(_result(services, who, read, contract, reason, prefecture))
    return _page("plan.html", who=who, **values)


def _field_links(services: Services, read: PlanRead, contract: dict[str, Any]
                 ) -> dict[str, str]:
    """Each team's signed field link; missing ones issued (as GET /v1/plans/{id} does)."""
    teams = [str(r["team_id"]) for r in contract.get("routes", [])]
    links = dict(read.links)
    if any(t not in links for t in teams):
        links.update((t, row.id) for t, row in services.store.plans.links_for(
            read.plan_id, teams, read.day).items())
    return {t: plan_routes.field_link(services, links[t], read.plan_id, t) for t in teams}


@router.get("/plans/{plan_id}/qr")
def plan_qr(plan_id: str, request: Request, services: ServicesDep,
            team: Annotated[str, Query(max_length=100)]) -> Response:
    """The QR code (PNG) of a team's field link in the plan's newest finished version."""
    who = _who(request, services)
    read = None if who is None else _read(services, who, plan_id, None, f"qr:{team}")
    done = None if read is None else services.store.plans.latest_done(plan_id)
    contract = None if read is None or done is None else _contract_of(
        services, plan_id, done[1].version)
    link = None if read is None or contract is None else _field_links(
        services, read, contract).get(team)
    if link is None:
        return Response(status_code=404)
    return Response(view.qr_png(link), media_type="image/png",
                    headers={"Cache-Control": "private, no-store"})


def _result(services: Services, who: Console, read: PlanRead, contract: dict[str, Any],
            reason: str, prefecture: str) -> dict[str, Any]:
    urls = _field_links(services, read, contract)
    rows = view.team_rows(contract, urls)
    row = (services.store.plans.inputs_of(read.plan_id, read.version)
           or services.store.plans.inputs_of(read.plan_id, 1))
    inputs = None if row is None else Inputs(row.kind, row.visits_name, row.visits_data,
                                             row.teams_name, row.teams_data)
    places = view.visit_prefectures((read.plan_id, read.version), inputs, region_locator())
    everything = view.unassigned_rows(contract, places)
    shown = [u for u in everything if (not reason or u.reason == reason)
             and (not prefecture or u.prefecture == prefecture)]
    token = sign_overview(services.settings, read.plan_id, who.caller.key_id, services.clock())
    control = services.store.plans.control(read.plan_id, read.version)
    changes = json.loads(control.changes_json) if control and control.changes_json else None
    return {
        "kpis": view.kpi_summary(contract), "teams": rows,
        "send_text": view.send_text(read.day.isoformat(), rows),
        "unassigned": shown, "unassigned_total": len(everything),
        "reasons": sorted({(u.reason, u.reason_zh) for u in everything}),
        "prefectures": sorted({u.prefecture for u in everything}),
        "reason": reason, "prefecture": prefecture, "overview": f"/o/{token}",
        "earlier": _earlier(services, read) if len(read.versions) > 1 else [],
        "beside": _beside(services, read, contract) if len(read.versions) > 1 else None,
        "changes": None if changes is None else {
            k: len(changes.get(k, [])) for k in ("moved", "added", "dropped", "completed",
                                                  "cancelled")},
    }


@router.post("/plans/{plan_id}/stop", response_class=HTMLResponse)
async def plan_stop(plan_id: str, request: Request, services: ServicesDep) -> Response:
    try:
        who = _signed_in(request, services)
        await _form(request, services, who, max_files=0, max_fields=2)
    except _Refused as exc:
        return refused_page(exc)
    with contextlib.suppress(ApiError):  # finished meanwhile, or unknown: the page says which
        await run_in_threadpool(replan_routes.stop_plan, plan_id, services, who.caller)
    return RedirectResponse(f"/console/plans/{plan_id}", status_code=303)


@router.post("/plans/{plan_id}/replan", response_class=HTMLResponse)
async def plan_replan(plan_id: str, request: Request, services: ServicesDep) -> Response:
    try:
        who = _signed_in(request, services)
        form = await _form(request, services, who, max_files=0, max_fields=4)
    except _Refused as exc:
        return refused_page(exc)
    now = form.get("now")
    text = now if isinstance(now, str) and now.strip() else (
        services.clock().astimezone(SHANGHAI).strftime("%H:%M"))
    limit = form.get("time_limit_s")
    try:
        try:
            body = ReplanIn(now=text[:40], time_limit_s=float(limit)
                            if isinstance(limit, str) and limit.strip() else None)
        except (ValueError, ValidationError):
            raise InvalidInput.many([InputProblem(
                "time_limit_s", "not a number of seconds between 1 and 3600")]) from None
        await run_in_threadpool(replan_routes._replan, services, who.caller, plan_id, body)
    except InvalidInput as exc:
        return _page("refused.html", 422, who=who, reason="无法重新规划",
                     problems=[_problem(p) for p in exc.problems], back=plan_id)
    except ApiError as exc:
        why = "有版本仍在规划中，请先停止或等待" if exc.status == 409 else "无法重新规划"
        return _page("refused.html", exc.status, who=who, reason=why, back=plan_id)
    return RedirectResponse(f"/console/plans/{plan_id}", status_code=303)


@router.get("/plans/{plan_id}/export")
def plan_export(plan_id: str, request: Request, services: ServicesDep,
                format: Annotated[Literal["csv", "xlsx", "geojson"], Query()] = "xlsx",
                ) -> Response:
    try:
        who = _signed_in(request, services)
    except _Refused as exc:
        return refused_page(exc)
    try:
        return plan_routes.export_plan(plan_id, services, who.caller, format=format,
                                       headers="zh")
    except ApiError:
        return _page("refused.html", 404, who=who, reason="这个规划还没有可导出的结果")


# -- analysts and admins ---------------------------------------------------------------------

def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


@router.get("/policies", response_class=HTMLResponse)
def policy_list(request: Request, services: ServicesDep) -> Response:
    try:
        who = _signed_in(request, services, Role.ANALYST)
    except _Refused as exc:
        return refused_page(exc)
    rows = [{"name": p.name, "version": p.version, "created": _when(p.created_at),
             "body": json.dumps(json.loads(p.body), ensure_ascii=False, indent=1)}
            for p in services.store.policies.latest()]
    return _page("policies.html", who=who, policies=rows)


@router.get("/comparisons", response_class=HTMLResponse)
def comparison_list(request: Request, services: ServicesDep) -> Response:
    try:
        who = _signed_in(request, services, Role.ANALYST)
    except _Refused as exc:
        return refused_page(exc)
    rows = [{"id": cid, "day": day.isoformat(), "status_zh": view.STATUS_ZH.get(status, status),
             "created": _when(created), "done": status == JobStatus.DONE}
            for cid, day, status, created in services.store.comparisons.recent()]
    return _page("comparisons.html", who=who, comparisons=rows)


@router.get("/comparisons/{comparison_id}/report", response_class=HTMLResponse)
def comparison_report(comparison_id: str, request: Request, services: ServicesDep) -> Response:
    """The comparison's stored HTML report, as `GET /v1/comparisons/{id}/report` serves it."""
    try:
        who = _signed_in(request, services, Role.ANALYST)
    except _Refused as exc:
        return refused_page(exc)
    row = services.store.comparisons.get(comparison_id)
    if row is None or row.status != JobStatus.DONE or row.report_html is None:
        return _page("refused.html", 404, who=who, reason="没有这个对比的报告（未完成或不存在）")
    return HTMLResponse(row.report_html)


@router.get("/keys", response_class=HTMLResponse)
def key_list(request: Request, services: ServicesDep) -> Response:
    try:
        who = _signed_in(request, services, Role.ADMIN)
    except _Refused as exc:
        return refused_page(exc)
    rows = [{"id": k.id, "role": k.role, "label": k.label, "created": _when(k.created_at),
             "expires": _when(k.expires_at), "revoked": _when(k.revoked_at)}
            for k in services.store.keys.list_all()]
    return _page("keys.html", who=who, keys=rows)
