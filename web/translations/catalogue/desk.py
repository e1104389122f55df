"""zh catalogue: the agent desk's screen pop and call controls.
Merged into ``ZH`` by web/translations/zh.py."""

ENTRIES: dict[str, str] = {
    # the desk's screen pop (newcomer walk)
    "Record a case": "登记工单",
    "Logged out": "签出", "Ready for calls": "示闲", "Not ready": "示忙", "On a break": "小休",
    "After-call work": "话后整理", "After-call work: %(s)s s left": "话后整理:还剩 %(s)s 秒",
    "Your state: %(state)s": "当前状态:%(state)s", "Not done:": "未完成:",
    "Call transferred.": "已转接。", "Consulting: the caller is on hold.": "咨询中:客户在保持。",
    "Transfer completed.": "已完成转接。", "Back with the caller.": "已取消咨询,回到客户通话。",
    "The caller is rating your service.": "已转满意度评价。",
    "Standard phrase played to the caller.": "已向客户播放规范用语。",
    "Flagged as a malicious call: the warning plays to the caller.": "已标记恶意骚扰:向对方播放警告。",
    "Call hung up.": "已挂断。", "The call has ended.": "通话已结束。", "This is not your call.": "这不是您的通话。",
    "The call is not answered yet.": "通话尚未接通。",
}
