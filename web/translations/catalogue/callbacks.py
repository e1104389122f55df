"""zh catalogue: callback tasks, complaints and their escalations.
Merged into ``ZH`` by web/translations/zh.py."""

ENTRIES: dict[str, str] = {
    # callbacks (agent page, complaints page)
    "Your user has no extension: ask an administrator.": "您的账号没有分机号,请联系管理员。",
    "Not dialled: %(reason)s": "未拨打:%(reason)s",
    "you are on a call: dial once it has ended": "您正在通话中,通话结束后才能拨打。",
    "Calling back (task %(id)s): your phone rings first, then the customer's.":
        "正在回访(任务 %(id)s):先振铃您的话机,再呼叫客户。",
    "Yours and anyone's, most urgent first. Dial rings your phone first, then the customer's.":
        "您的任务和公共任务,最紧急的在前。拨打时先振铃您的话机,再呼叫客户。",
    "Owner": "负责人", "Missed calls": "未接次数", "Attempts": "拨打记录", "anyone": "任何人",
    "missed": "未接回拨", "revisit": "故障回访", "consult": "咨询答复", "complaint": "投诉联系",
    "in_progress": "拨打中", "done": "已完成", "pending": "等待结果", "reached": "已联系上", "wrong_number": "号码错误",
    "held": "待审批",  # outside the dialling policy, waits for a supervisor's approval
    # why a task closed (CallbackTask.closed_reason, the task page's 结案 line)
    "answered_call": "客户再次来电已接通", "served_on_call": "本次来电已由坐席接听", "attempts": "拨打次数已用完",
    "case_closed": "工单已办结", "revisited": "已回访", "contacted": "已联系客户",
    "Escalation acknowledged.": "已确认升级提醒。", "Complaint updated.": "投诉已更新。",
    "Escalations": "升级提醒",
    "Kind": "类别", "Subject": "对象", "Deadline": "期限", "Raised": "提醒时间", "Acknowledge": "确认",
    # hotline.escalations: the escalation's subject was dealt with (not counting any more; still to acknowledge)
    "Subject handled": "事项处理", "Handled %(when)s": "已处理 %(when)s",
    "No open escalations.": "没有待确认的升级提醒。", "Category": "分类", "Summary": "内容", "Received": "受理时间",
    "Contact by": "联系期限", "Contact clock": "联系时限", "Solution / progress by": "解决/进展期限",
    "Solution / progress clock": "解决/进展时限", "Closed": "结案", "Contacted": "已联系",
    "Solved / progress sent": "已解决/已告知进展", "Overdue callback tasks": "超时回访任务",
    "No overdue tasks.": "没有超时任务。",
    "clock met": "按时", "clock missed": "超时", "clock running": "剩余", "general": "一般投诉", "complex": "复杂投诉",
    "solution": "解决", "progress": "进展",
    "task_overdue": "回访任务超时", "complaint_contact": "投诉未按时联系", "complaint_solution": "投诉未按时解决",
    "complaint_progress": "投诉未按时告知进展", "Late by": "已超时",
    # a dial the callback rules refuse (hotline/callbacks/dialer.py: DialRefused, said by web/reasons.py);
    # the agent clicked the task, so the sentences leave out its id
    "the callback rules refuse it.": "回访规则不允许拨打。",
    "agent must be an extension number, not %(agent)r": "您的分机号不是坐席分机号。",
    "task %(id)s is held: %(number)s needs supervisor approval": "号码不在拨号策略范围内,等待班长批准。",
    "task %(id)s is %(status)s": "任务已结束(%(status)s)。",
    "task %(id)s has a call in progress": "此任务的通话尚未结束。",
    "task %(id)s has had its %(limit)s attempts": "此任务已拨打 %(limit)s 次,次数已用完。",
    "task %(id)s: next attempt not before %(at)s": "距上次拨打时间太短,请于 %(at)s 后再拨。",
    "task %(id)s: not before %(at)s": "此任务 %(at)s 起方可拨打。",
    "task %(id)s: %(number)s needs supervisor approval (%(why)s)":
        "号码不在拨号策略范围内,任务已转为等待班长批准。",
    "task %(id)s: %(limit)s dials today already (setting dial_max_per_day)": "今日外呼已达上限 %(limit)s 次。",
    "task %(id)s: %(limit)s dials of %(number)s today already (setting dial_max_per_number_day)":
        "此号码今日已拨打 %(limit)s 次,已达上限。",
    "task %(id)s: could not dial: %(error)s": "无法连接交换机。",
    # the core's refusals (hotline.errors: N_ templates; web/reasons.py says them)
    "outcome must be one of %(choices)s, not %(given)r": "结果须为 %(choices)s 之一,不能是“%(given)s”",
    "no callback attempt %(id)s": "没有回访拨打记录 %(id)s", "no callback task %(id)s": "没有回访任务 %(id)s",
    "task %(id)s is %(status)s, not held for approval": "任务 %(id)s 状态为%(status)s,不在待批准状态",
    "task %(id)s is already %(status)s": "任务 %(id)s 已是%(status)s",
    "task %(id)s is a %(task_reason)s task, not a revisit": "任务 %(id)s 是%(task_reason)s任务,不是故障回访",
    "not a callable number: %(given)r": "不是可拨打的号码:“%(given)s”",
    "complaint kind must be one of %(choices)s, not %(given)r": "投诉类别须为 %(choices)s 之一,不能是“%(given)s”",
    "no complaint %(id)s": "没有投诉 %(id)s",
}
