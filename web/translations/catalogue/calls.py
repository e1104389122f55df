"""zh catalogue: the call search, a call's page (timeline, recording, quality inspection) and its IVR steps.
Merged into ``ZH`` by web/translations/zh.py."""

ENTRIES: dict[str, str] = {
    # call table
    "ID": "编号", "Server": "服务器", "Started": "开始时间", "Number": "号码", "Name": "姓名", "Agent": "话务员",
    "Disposition": "结果",
    "Wait s": "等待(秒)", "Ring s": "振铃(秒)", "≤4 rings": "四声内", "Talk s": "通话(秒)", "Hung up first": "先挂机",
    "Recording": "录音", "QA": "质检", "Call search": "通话查询", "My calls": "我的通话", "From": "从", "To": "到",
    "any": "全部", "Late answer": "超四声接听", "Agent hung up first": "话务员先挂机", "Has recording": "有录音",
    "graded": "已质检", "not graded": "未质检", "Search": "查询", "previous": "上一页", "next": "下一页",
    "Nothing found.": "没有记录。",
    "answered": "已接通", "abandoned": "放弃", "timeout": "排队超时", "no_agent": "无坐席", "queue_full": "队列满",
    "ivr": "仅IVR", "failed": "失败",
    "no_answer": "无人接听", "agent_no_answer": "话务员未接", "cancelled": "已取消", "busy": "忙",
    "declined": "拒接",
    "caller": "客户", "system": "系统",
    # call page
    "Call": "通话", "Survey": "满意度评价", "Timeline": "通话过程",
    "Hold": "保持", "%(n)s times": "%(n)s 次", "%(n)s times, %(s)s s in all": "%(n)s 次,共 %(s)s 秒",
    "Holds": "保持次数", "Hold s": "保持(秒)", "Transferred to an outside number": "转外线号码",
    "Call from %(number)s to %(dialed)s": "%(number)s 呼入 %(dialed)s",
    "IVR": "语音导航", "keys": "按键", "Entered queue %(queue)s": "进入队列 %(queue)s",
    "Rang agent %(agent)s for %(s)s s: %(result)s": "话务员 %(agent)s 振铃 %(s)s 秒:%(result)s",
    "Answered by %(agent)s after %(s)s s": "等待 %(s)s 秒后由 %(agent)s 接听", "past 4 rings": "超过四声",
    "Transfer": "转接", "Ended": "结束", "hung up first": "先挂机方",
    "%(agent)s consulted %(to)s, then gave up: no transfer": "%(agent)s 咨询 %(to)s 后取消(未转接)",
    "blind": "直接转接", "attended": "咨询转接", "redirect": "重定向转接",  # TransferKind
    "Every listen is recorded with your name and the time.": "每次收听都会记录收听人和时间。",
    "Standard phrase": "标准用语",  # a desk control on the call's page
    "No recording.": "无录音。", "Listened by": "收听记录", "Quality inspection": "质检", "Inspector": "质检员",
    "Corrects": "更正", "Score": "得分", "Time": "时间", "Comment": "评语", "Not graded yet.": "尚未质检。",
    "Saved grades cannot be edited. This form adds a correction of grade #%(id)s.":
        "已保存的评分不能修改。本表单将新增一条对评分 #%(id)s 的更正。",
    "from the call record": "根据通话记录预填",
    "Reason for the correction": "更正原因", "Save grade": "保存评分",
    "Grade not saved: %(reason)s": "评分未保存:%(reason)s", "Grade saved.": "评分已保存。",
    # the score sheet (R-QA, hotline/qa_sheet.toml: its items and bands carry their own zh / en labels)
    "Score sheet (R-QA): untick what the call missed": "质检评分表(R-QA):取消勾选未做到的项目",
    "a deducted item needs a remark saying why: %(items)s": "扣分项须填写扣分原因:%(items)s",
    "a remark is longer than %(n)s characters": "扣分原因超过 %(n)s 个字",
    "the comment or the reason is longer than %(n)s characters": "评语或更正原因超过 %(n)s 个字",
    "the call record says it was missed": "通话记录显示未做到",
    "why deducted": "扣分原因", "veto": "一票否决", "Deducted": "扣分项", "typed": "录入", "typed score": "录入分",
    "the sum of the items met; a veto item missed makes it 0": "已做到项目的分值之和;一票否决项未做到则为 0 分",
    "QA score band": "质检分数段",
    "QA sheet: item key %(key)r is empty or repeated": "质检评分表:项目编号 %(key)r 为空或重复",
    "QA sheet: item %(key)r: a weight is ≥ 0 and a veto item has none":
        "质检评分表:项目 %(key)r:分值须 ≥ 0,一票否决项不设分值",
    "QA sheet: the weights add up to %(total)s, not 100": "质检评分表:分值合计 %(total)s,不是 100",
    "QA sheet: bands start at 0 and rise, up to 100": "质检评分表:分数段须从 0 开始递增,不超过 100",
    "QA sheet %(path)s: %(why)s": "质检评分表 %(path)s:%(why)s",
    # a call's IVR steps on its timeline
    "greeting": "欢迎语", "outage notice": "停播通知", "out of hours": "非服务时间", "main menu": "主菜单",
    "to the agents": "转人工", "callback offered": "预约回拨", "fault: contact number": "报修:联系电话",
    "fault: account": "报修:用户编号", "fault: area": "报修:区域", "fault: type": "报修:故障类型",
    "fault: confirm": "报修:确认", "fault: ticket": "报修:受理单号", "fault: description": "报修:故障描述",
    "satisfaction survey": "满意度评价", "no key in time": "超时未按键", "wrong key": "按键无效",
    "Calling %(number)s (task %(task)s): your phone rings first": "正在回拨 %(number)s(任务 %(task)s):请先接起您的话机",
    "Dialling out to %(number)s (task %(task)s): your phone rings first":
        "正在外呼 %(number)s(任务 %(task)s):请先接起您的话机",
    # internal calls (session 5): a phone calling another phone (Direction.INTERNAL)
    "internal call": "内部通话",
    "on hold": "保持",  # the wallboard: an agent whose phone holds the caller
    # calls the agent flagged 恶意骚扰 (R-ANS-HANGUP-LAST's exception), for supervisors to review
    "Flagged malicious": "恶意骚扰标记", "flagged malicious by %(agent)s": "%(agent)s 标记为恶意骚扰",
    # a grade refused (web/quality.py GradeError, web/reasons.py)
    "bad grade to correct": "要更正的评分无效",
    "only the call's current grade can be corrected": "只能更正该通话的当前评分",
    "a correction needs a reason": "更正须填写原因",
    "this call is already graded; a change is a correction with a reason": "该通话已评分;修改须以更正方式并填写原因",
    # the lists' filter errors (web/filters.py): the field, why, what was typed
    "Start date": "开始日期", "End date": "结束日期", "Period": "周期",
    "%(field)s: not a date (YYYY-MM-DD): %(value)s": "%(field)s:不是有效日期(格式 YYYY-MM-DD):%(value)s",
    "%(field)s: out of range (%(first)s – %(last)s): %(value)s": "%(field)s:超出范围(%(first)s 至 %(last)s):%(value)s",
    "%(field)s: one of %(allowed)s, not %(value)s": "%(field)s:应为 %(allowed)s 之一,而不是 %(value)s",
    "The start date %(first)s is after the end date %(last)s: nothing can match.":
        "开始日期 %(first)s 晚于结束日期 %(last)s:查不到任何记录。",
    "%(field)s: digits only, not %(value)s": "%(field)s:只能填数字,而不是 %(value)s",
    "The date range is longer than a year: cut to %(days)s days.": "日期范围超过一年:已截为 %(days)s 天。",
}
