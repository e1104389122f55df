"""zh catalogue: fault reports, outages and complaints pages.
Merged into ``ZH`` by web/translations/zh.py."""

ENTRIES: dict[str, str] = {
    # faults, outages, complaints
    "Fault report closed.": "报修已结单。", "Outage not saved: %(reason)s": "公告未保存:%(reason)s",
    "the area (%(a)s characters) or the note (%(n)s) is too long": "区域(%(a)s 个字)或说明(%(n)s 个字)太长",
    "Outage opened: the IVR announces it now.": "公告已发布,语音导航现在会播报。", "Outage closed.": "公告已关闭。",
    "Overdue only": "只看超时", "Ticket": "工单号", "Status": "状态",
    "Area": "区域", "Type": "类型", "Reported": "报修时间", "Arrive by": "到达期限", "Fix by": "修复期限",
    "Time left": "剩余时间", "overdue": "已超时", "Repaired": "已修复", "Cause": "原因", "Note": "说明",
    "Open outage": "发布公告", "By": "发布人", "Close": "关闭", "Ended_": "结束",
    "incomplete": "未完成", "open": "处理中", "closed": "已结单", "urban": "城区", "rural": "农村",
    "power": "停电", "headend": "前端机房检修", "force_majeure": "不可抗力", "other": "其他",
    # the core's refusals (hotline.errors: N_ templates; web/reasons.py says them)
    "an outage needs an area": "公告须填写区域",
    "unknown outage cause %(given)r; one of %(choices)s": "未知停机原因“%(given)s”;可选:%(choices)s",
}
