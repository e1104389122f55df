"""zh catalogue: the agents' time in states (hotline/metrics/agent_time.py).
Merged into ``ZH`` by web/translations/zh.py."""

ENTRIES: dict[str, str] = {
    # the agents' time in states on the supervisor page (issue 13: web/team)
    "Agents' time in states": "坐席状态时长", "Break by reason": "小休(按原因)", "My time in states": "我的状态时长",
    # the agents' time in states (issue 13: hotline/metrics/agent_time.py definitions)
    "seconds in any desk state but 签出 (logged out)": "除签出外任一坐席状态的秒数",
    "seconds in 示闲 (available, waiting for a call)": "示闲(等待来电)的秒数",
    "seconds in 示忙 (busy: paused, no reason)": "示忙(暂停接听,无原因)的秒数",
    "seconds in 小休 (break), in all and per reason (desk_break_reasons)":
        "小休的秒数,合计及按原因(desk_break_reasons)",
    "seconds in the desk's talking state (answered to the call's end)": "通话状态的秒数(接听至通话结束)",
    "seconds in 话后整理 (after-call work), extensions included": "话后整理的秒数,含延长",
    "(talking + after-call work) ÷ (logged in − break − busy), i.e. ÷ (available + ringing + talking + after-call "
    "work): the share of the time staffed for calls spent handling them (the industry's definition; break and busy "
    "are auxiliary states)":
        "(通话 + 话后整理)÷(登录 − 小休 − 示忙),即 ÷(示闲 + 振铃 + 通话 + 话后整理):"
        "在岗接听时间中处理来电所占的比例(行业通行定义;小休与示忙为辅助状态)",
}
