"""zh catalogue: field service: work orders, technicians and their rota, the desk's audit on the call page.
Merged into ``ZH`` by web/translations/zh.py."""

ENTRIES: dict[str, str] = {
    # the SMS outbox (/field/outbox): states ("held", "failed", "cancelled" are the callbacks') and templates
    "queued": "待发送", "sending": "发送中", "sent": "已发送", "delivered": "已送达", "undelivered": "未送达",
    "repair_receipt": "报修受理", "dispatch": "派单通知", "complaint_receipt": "投诉受理",
    "callback_missed": "回拨未接通", "service_restored": "恢复服务", "consult_answer": "咨询答复",
    # field service, the desk's audit on the call page (issues 13, 15: web/field, web/desk)
    "not a date and time: %(v)s": "不是有效的日期时间:%(v)s", "Order accepted.": "已接单。",
    "Time booked.": "已预约上门时间。", "Arrival recorded.": "已记录到达。",
    "Order fixed within its repair time limit (%(by)s).": "已修复,在修复期限(%(by)s)内。",
    "Order fixed %(minutes)s min past its repair time limit (%(by)s).": "已修复,超出修复期限(%(by)s)%(minutes)s 分钟。",
    "Recorded: cannot fix.": "已记录:无法修复。", "Delay reason recorded.": "已记录延误原因。",
    "Calling: your phone rings first, then the customer.": "正在呼叫:先振铃您的电话,再接通客户。",
    "Not done: %(reason)s": "未完成:%(reason)s", "Not dispatched: %(reason)s": "未派单:%(reason)s",
    "Order dispatched.": "已派单。", "Technician not saved: %(reason)s": "维修员未保存:%(reason)s",
    "Technician saved.": "维修员已保存。", "Review note saved.": "复核意见已保存。",
    "Outage published: the IVR announces it now.": "停机公告已发布:IVR 即时播报。",
    "Suggestion dismissed.": "已忽略该建议。",
    'Outage closed; %(n)s "service restored" messages queued.': "停机已结束;已排队 %(n)s 条“服务已恢复”短信。",
    "Message approved.": "短信已批准。", "Message cancelled.": "短信已取消。", "My work orders": "我的工单",
    "Field service": "外勤维修", "Agent desk": "坐席工作台", "Desk controls and monitoring": "坐席操作与监听记录",
    "When": "时间", "Who": "操作人", "Control": "操作", "met": "达标", "min": "分钟", "min left": "分钟后到期",
    "Open work orders": "未完成工单", "Technicians": "维修员", "Overdue review": "超时工单复核",
    "Outage suggestions": "停机建议", "SMS outbox": "短信发件箱", "Booked for": "预约时间", "Accept": "接单",
    "Call the customer": "呼叫客户", "Booked time": "预约时间", "Book": "预约", "Arrived": "已到达",
    "Fixed (small fault)": "已修复(小故障)", "Fixed (big fault)": "已修复(大故障)", "Cannot fix": "无法修复",
    "Delay reason": "延误原因", "Explain a delay": "说明延误", "No open work orders.": "没有未完成的工单。",
    "Fault type": "故障类型", "Technician": "维修员", "on duty": "在岗", "Dispatch": "派单", "Re-assign": "改派",
    "Template": "模板", "Text": "内容", "Last error": "最近错误", "Approve": "批准", "Cancel": "取消",
    "Review note": "复核意见", "Reports": "报修数", "First": "首次", "Suggested announcement": "建议公告",
    "Publish": "发布", "Dismiss": "忽略", "Open outages": "进行中的停机", "Close: service restored": "结束:服务已恢复",
    "User": "用户", "On duty": "在岗", "Open orders": "未完成工单",
    "Phone, districts, weekly rota": "电话、片区、每周排班",
    "Add a technician": "添加维修员", "Districts": "片区", "Add": "添加", "Monitor": "监听",
    "Overdue work orders": "超时工单", "Set state": "设置状态",
    # issue 15: the fault reports page with their work orders
    "Work order": "维修工单",
    "Fault report %(t)s has a work order: its technician marks it fixed.": "报修 %(t)s 已派维修工单,由维修员标记修复。",
    # issue 15: work orders' states (the label filter) and the field service's escalations
    "unassigned": "待派单", "dispatched": "已派单", "accepted": "已接单", "booked": "已预约",
    "arrived": "已到达", "fixed": "已修复",
    "cannot_fix": "无法修复", "outage": "区域故障中", "restored": "已恢复",
    "order_unassigned": "工单无人可派", "order_unaccepted": "工单超时未接", "order_late_arrival": "维修员未按时到达",
    "order_overdue": "工单超时未修复", "outage_suggested": "疑似区域故障",
    # an order's history (its page, /field/orders/<id>: hotline.field.events.ACTIONS) and the
    # customer's urges through the IVR (催单, hotline.field.standing.urged)
    "created": "生成工单", "no_technician": "无在岗维修员", "reassigned": "已改派", "call": "呼叫客户",
    "call_failed": "呼叫客户失败", "delay_reason": "说明延误", "linked_to_outage": "并入区域故障",
    "reviewed": "超时复核", "urged": "客户来电催单", "Step": "步骤",
    "Customer urged ×%(n)s, last at %(at)s": "客户催单 ×%(n)s,最近 %(at)s",
    # the technicians' weekly rota
    "Mon": "周一", "Tue": "周二", "Wed": "周三", "Thu": "周四", "Fri": "周五", "Sat": "周六", "Sun": "周日",
    "Public holiday": "法定节假日", "Make-up workday": "调休工作日",
    # the core's refusals (hotline.errors: N_ templates; web/reasons.py says them)
    "technician %(name)s: %(given)r is not a phone number": "维修员 %(name)s:“%(given)s”不是电话号码",
    "technician %(name)s: districts %(given)s not in the districts setting":
        "维修员 %(name)s:片区 %(given)s 不在片区设置中",
    "no technician %(name)r": "没有维修员“%(name)s”", "technician %(name)s is not active": "维修员 %(name)s 未启用",
    "no outage suggestion %(id)s": "没有停机建议 %(id)s",
    "outage suggestion %(id)s is %(status)s": "停机建议 %(id)s 已是%(status)s",
    "work order %(id)s is not overdue": "维修工单 %(id)s 未超时",
    "work order %(id)s has no customer number": "维修工单 %(id)s 没有客户号码",
    "%(number)s is outside the dialling policy (%(why)s)": "%(number)s 不在拨号策略允许范围内(%(why)s)",
    "work order %(id)s: %(cap)s": "维修工单 %(id)s:%(cap)s",
    "work order %(id)s: could not call: %(why)s": "维修工单 %(id)s:无法呼叫:%(why)s",
    "work order %(id)s: your call to the customer (placed %(at)s) is still under way; try again once it has ended":
        "维修工单 %(id)s:您 %(at)s 拨出的客户电话仍在进行中,通话结束后再呼叫。",
    "no work order %(id)s": "没有维修工单 %(id)s", "fault report %(id)s is not confirmed": "报修 %(id)s 尚未确认",
    "work order %(id)s is %(status)s": "维修工单 %(id)s 状态为%(status)s",
    "work order %(id)s is not %(name)s's": "维修工单 %(id)s 不是 %(name)s 的",
    "fault size must be one of %(choices)s, not %(given)r": "故障大小须为 %(choices)s 之一,不能是“%(given)s”",
    "cannot fix: a reason is required": "无法修复:请填写原因",
    "technician %(name)s already exists: change it in the list": "维修员 %(name)s 已存在:请在列表中修改",
    "the booked time %(at)s has already passed": "预约时间 %(at)s 已经过去",
    "a delay needs its reason": "请填写延误原因",
    "rota: unknown day %(given)r (%(choices)s)": "排班:未知日期“%(given)s”(%(choices)s)",
    "rota %(day)s: a list of HH:MM-HH:MM spans, not %(given)r":
        "排班 %(day)s:须为 HH:MM-HH:MM 时段列表,不能是“%(given)s”",
    "not a HH:MM time: %(given)r": "不是 HH:MM 时间:“%(given)s”",
    "not a time of day: %(given)r": "不是一天中的时间:“%(given)s”",
    "No SMS gateway (sms_provider = none): messages stay queued and none is sent. `hotline run` starts a "
    "private Kannel for the demo when Kannel is installed (scripts/setup.sh installs it).":
        "未配置短信网关(sms_provider = none):短信留在队列中,不会发出。已安装 Kannel 时,"
        "`hotline run` 会为演示启动一个私有 Kannel(scripts/setup.sh 负责安装)。",
}
