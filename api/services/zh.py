"""Chinese renderings of located input problems, for dispatchers (`message_zh` beside English).

The readers locate a problem as `file:row:column`, `file[sheet]:row:column`, a JSON pointer
(`/visits/3/lat`) or a field name, and say what is wrong in English. This module renders the
location in Chinese (文件、工作表、第几行、哪一列, with the column's Chinese header) and the
common problems by pattern; a message it does not know keeps its English text after a Chinese
lead-in, so nothing is lost. Values quoted from input stay as they were (they are data).
"""

from __future__ import annotations

import re

from routeplan.io.columns import TEAM_COLUMNS, VISIT_COLUMNS

INVALID_INPUT_ZH = "输入有误，无法规划；请按下列位置逐项修改后重新提交"

_HEADERS: dict[str, str] = {c.name: c.zh[0] for c in (*VISIT_COLUMNS, *TEAM_COLUMNS) if c.zh}
_FIELDS: dict[str, str] = {"date": "日期", "visits": "案件文件", "teams": "外访组文件",
                           "policy": "策略", "overrides": "策略覆盖项",
                           "time_limit_s": "求解时限", "seed": "随机种子"}

_FILE_ROW = re.compile(r"^(?P<file>[^\[\]:]+?)(?:\[(?P<sheet>[^\]]*)\])?"
                       r"(?::(?P<row>\d+))?(?::(?P<col>[^:()]+?)(?: \((?P<canon>[^)]+)\))?)?$")
_POINTER = re.compile(r"^(?P<file>[^#]*#)?/(?P<what>visits|teams)(?:/(?P<idx>\d+))?"
                      r"(?:/(?P<field>[^/]+))?$")
_TEAM_FIELD = re.compile(r"^teams\[(?P<team>.+)\]\.(?P<field>\w+)$")
_TABLE_FIELD = re.compile(r"^(?P<what>visits|teams)\.(?P<field>\w+)$")


def _column(name: str, canonical: str | None = None) -> str:
    zh = _HEADERS.get(canonical or name)
    return f"「{name}」列" if zh is None or zh == name else f"「{name}」列（{zh}）"


def location_zh(location: str) -> str:
    """Where a problem is, in Chinese: file, sheet, row, column (or record and field)."""
    loc = location.strip()
    if not loc:
        return ""
    bare = loc.lstrip("/")
    if bare in _FIELDS:
        return _FIELDS[bare]
    if bare.startswith("policy"):
        key = bare.removeprefix("policy").lstrip("./").replace("/", ".")
        return f"策略项 {key}" if key else "策略"
    if m := _TEAM_FIELD.match(loc):
        return f"外访组「{m['team']}」的{_column(m['field'])}"
    if m := _TABLE_FIELD.match(loc):
        return f"{_FIELDS[m['what']]}的{_column(m['field'])}"
    if m := _POINTER.match(loc):
        parts = [f"文件 {m['file'][:-1]}"] if m["file"] else []
        noun = "案件" if m["what"] == "visits" else "外访组"
        parts.append(_FIELDS[m["what"]] if m["idx"] is None else f"{noun}记录 {m['idx']}")
        if m["field"]:
            parts.append(_column(m["field"]).replace("」列", "」字段", 1))
        return "，".join(parts)
    if m := _FILE_ROW.match(loc):
        parts = [f"文件 {m['file']}"]
        if m["sheet"] is not None:
            parts.append(f"工作表「{m['sheet']}」")
        if m["row"]:
            parts.append(f"第 {m['row']} 行")
        if m["col"]:
            parts.append(_column(m["col"], m["canon"]))
        return "，".join(parts)
    return loc


_Q = r"(?P<v>'[^']*'|\"[^\"]*\"|\S+)"
#: (pattern of the English message, its Chinese with the pattern's groups filled in)
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), f) for p, f in (
        (r"^required, but missing$", "必填，但缺少这一列"),
        (r"^required, but the cell is empty$", "必填，但单元格为空"),
        (r"^required, but blank$", "必填，但为空白"),
        (rf"^{_Q} is not a time of day.*$", "{v} 不是有效时刻（HH:MM，00:00 至 24:00）"),
        (rf"^{_Q} is not a date.*$", "{v} 不是有效日期（YYYY-MM-DD）"),
        (rf"^{_Q} is not a calendar date$", "{v} 不是有效日期"),
        (rf"^{_Q} is not a (?:finite |whole )?number$", "{v} 不是有效数字"),
        (rf"^{_Q} is text, not a JSON number$", "{v} 是文本，不是数字"),
        (rf"^{_Q} is not between (?P<a>\S+) and (?P<b>\S+)$",
         "{v} 不在 {a} 至 {b} 之间"),
        (rf"^{_Q} is outside -90\.\.90.*$",
         "纬度 {v} 超出 -90 至 90（纬度与经度是否填反？）"),
        (rf"^{_Q} is outside -180\.\.180$", "经度 {v} 超出 -180 至 180"),
        (rf"^{_Q} is not (?:true or false|a yes/no value.*)$",
         "{v} 不是是/否值（是/否、true/false、1/0）"),
        (rf"^{_Q} appears (?P<n>\d+) times$",
         "{v} 出现了 {n} 次（编号必须唯一）"),
        (r"^team of (?P<n>\d+) collector\(s\); the policy allows (?P<a>\d+) to (?P<b>\d+).*$",
         "外访组有 {n} 名外访员；政策要求 {a} 至 {b} 名（至少 2 名）"),
        (rf"^collector {_Q} is also in team (?P<t>.+)$",
         "外访员 {v} 同时属于外访组 {t}"),
        (r"^missing required column (?P<c>\S+) \((?P<zh>[^)]*)\)$",
         "缺少必填列 {c}（{zh}）"),
        (r"^no visits given$", "文件中没有案件"),
        (r"^no teams given$", "文件中没有外访组"),
        (r"^.*give a \.csv, \.xlsx or \.json file$",
         "请上传 .csv（UTF-8）、.xlsx 或 .json 文件"),
        (r"^attach the file as a multipart file field$", "请选择要上传的文件"),
        (r"^no coordinates and no address.*$",
         "没有经纬度也没有地址：请填写纬度和经度，或填写地址"),
        (rf"^{_Q} is not after shift_start.*$", "班次结束 {v} 不晚于班次开始"),
        (rf"^{_Q} is before (?P<c>\w+).*$", "{v} 早于 {c}"),
        (r"^empty, but (?P<c>\w+) is given.*$", "为空，但已填写 {c}；两者须同时填写"),
        (rf"^no stored policy named {_Q}$", "没有名为 {v} 的策略"),
        (r"^not a JSON object$", "不是 JSON 对象"),
        (r"^Input should be a valid date.*$", "不是有效日期（YYYY-MM-DD）"),
        (r"^Field required$", "必填"),
    ))


def message_zh(message: str) -> str:
    """What is wrong, in Chinese: a known pattern translated, else the English kept."""
    text = message.strip()
    if " / " in text:  # messages that carry their own Chinese after " / "
        tail = text.rsplit(" / ", 1)[1]
        if re.search(r"[\u4e00-\u9fff]", tail):
            return tail
    for pattern, template in _RULES:
        if m := pattern.match(text):
            return template.format_map(m.groupdict())
    return f"输入有误（{text}）"


def problem_zh(location: str, message: str) -> str:
    """One located problem as a Chinese sentence: 位置：问题."""
    where = location_zh(location)
    what = message_zh(message)
    return f"{where}：{what}" if where else what
