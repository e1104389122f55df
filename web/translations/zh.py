"""Source of the Simplified Chinese catalogue: ``python web/translations/zh.py`` rewrites
zh/LC_MESSAGES/messages.po from the messages found in web/ (pybabel extract) and this table, and
lists messages without a translation. The app compiles the .po at start."""

ZH = {
    # auth / layout
    "Too many failed logins. Try again later.": "登录失败次数过多,请稍后再试。",
    "Wrong user name or password.": "用户名或密码错误。",
    "Hotline panel": "热线管理平台", "Log in": "登录", "Log out": "退出", "User name": "用户名", "Password": "密码",
    "My figures": "我的指标", "Calls": "通话", "Team": "班组", "Fault reports": "故障报修", "Outages": "停播/故障公告",
    "Complaints": "投诉", "Wallboard": "实时看板",
    "agent": "话务员", "inspector": "质检员", "supervisor": "班长", "admin": "管理员",
    # call table
    "ID": "编号", "Server": "服务器", "Started": "开始时间", "Number": "号码", "Name": "姓名", "Agent": "话务员",
    "Disposition": "结果",
    "Wait s": "等待(秒)", "Ring s": "振铃(秒)", "≤4 rings": "四声内", "Talk s": "通话(秒)", "Hung up first": "先挂机",
    "Recording": "录音", "QA": "质检", "Call search": "通话查询", "My calls": "我的通话", "From": "从", "To": "到",
    "any": "全部", "Late answer": "超四声接听", "Agent hung up first": "话务员先挂机", "Has recording": "有录音",
    "graded": "已质检", "not graded": "未质检", "Search": "查询", "previous": "上一页", "next": "下一页",
    "Nothing found.": "没有记录。",
    "answered": "已接通", "abandoned": "放弃", "timeout": "排队超时", "ivr": "仅IVR", "failed": "失败",
    "no_answer": "无人接听", "agent_no_answer": "话务员未接", "cancelled": "已取消", "busy": "忙",
    "caller": "客户", "system": "系统",
    # call page
    "Call": "通话", "Survey": "满意度评价", "Timeline": "通话过程",
    "Call from %(number)s to %(dialed)s": "%(number)s 呼入 %(dialed)s",
    "IVR": "语音导航", "keys": "按键", "Entered queue %(queue)s": "进入队列 %(queue)s",
    "Rang agent %(agent)s for %(s)s s: %(result)s": "话务员 %(agent)s 振铃 %(s)s 秒:%(result)s",
    "Answered by %(agent)s after %(s)s s": "等待 %(s)s 秒后由 %(agent)s 接听", "past 4 rings": "超过四声",
    "Transfer": "转接", "Ended": "结束", "hung up first": "先挂机方",
    "Every listen is recorded with your name and the time.": "每次收听都会记录收听人和时间。",
    "No recording.": "无录音。", "Listened by": "收听记录", "Quality inspection": "质检", "Inspector": "质检员",
    "Corrects": "更正", "Score": "得分", "Time": "时间", "Comment": "评语", "Not graded yet.": "尚未质检。",
    "Saved grades cannot be edited. This form adds a correction of grade #%(id)s.":
        "已保存的评分不能修改。本表单将新增一条对评分 #%(id)s 的更正。",
    "Checklist (R-QA)": "质检项目(R-QA)", "from the call record": "根据通话记录预填",
    "Score (0–100)": "得分(0–100)", "Reason for the correction": "更正原因", "Save grade": "保存评分",
    "Grade not saved: %(reason)s": "评分未保存:%(reason)s", "Grade saved.": "评分已保存。",
    "Greeting, company name and work number": "问候语、公司名称和工号",
    "Answered within 4 rings or apologised": "四声内接听或已致歉",
    "Polite and clear language": "用语礼貌、清楚", "Did not interrupt the caller": "未打断客户",
    "Key details repeated and confirmed": "关键信息复述确认",
    "Record complete (name, address, number, matter)": "记录完整(姓名、地址、电话、事由)",
    "Agent hung up last": "客户先挂机(话务员后挂)",
    # agent page
    "Today": "今天", "This week": "本周", "This month": "本月", "My open callback tasks": "我的待回访任务",
    "Reason": "事由", "Due": "期限", "Dial": "拨打", "No open callback tasks.": "没有待回访任务。",
    "My QA results": "我的质检结果",
    # metrics (the metric names themselves are hotline.metrics.METRICS' labels, not Babel's)
    "no data": "无数据", "No data": "无数据", "Metric": "指标", "Value": "数值", "Retraining": "需再培训",
    "Definition": "定义",
    "Show": "显示", "Per agent": "按话务员", "Monthly KPIs (R-KPI)": "月度考核指标(R-KPI)", "Targets": "目标",
    "Red: below target. Retraining: below target %(n)s months in a row.":
        "红色:未达标。需再培训:连续 %(n)s 个月未达标。",
    "Team figures": "班组指标", "Calls, SL and abandon over time": "话务量、服务水平和放弃率趋势",
    # faults, outages, complaints
    "Fault report closed.": "报修已结单。", "Outage not saved: %(reason)s": "公告未保存:%(reason)s",
    "Outage opened: the IVR announces it now.": "公告已发布,语音导航现在会播报。", "Outage closed.": "公告已关闭。",
    "Overdue only": "只看超时", "Ticket": "工单号", "Status": "状态",
    "Area": "区域", "Type": "类型", "Reported": "报修时间", "Arrive by": "到达期限", "Fix by": "修复期限",
    "Time left": "剩余时间", "overdue": "已超时", "Repaired": "已修复", "Cause": "原因", "Note": "说明",
    "Open outage": "发布公告", "By": "发布人", "Close": "关闭", "Ended_": "结束",
    "incomplete": "未完成", "open": "处理中", "closed": "已结单", "urban": "城区", "rural": "农村",
    "power": "停电", "headend": "前端机房检修", "force_majeure": "不可抗力", "other": "其他",
    # callbacks (agent page, complaints page)
    "Your user has no extension: ask an administrator.": "您的账号没有分机号,请联系管理员。",
    "Not dialled: %(reason)s": "未拨打:%(reason)s",
    "Calling back (task %(id)s): your phone rings first, then the customer's.":
        "正在回访(任务 %(id)s):先振铃您的话机,再呼叫客户。",
    "Yours and anyone's, most urgent first. Dial rings your phone first, then the customer's.":
        "您的任务和公共任务,最紧急的在前。拨打时先振铃您的话机,再呼叫客户。",
    "Owner": "负责人", "Missed calls": "未接次数", "Attempts": "拨打记录", "anyone": "任何人",
    "missed": "未接回拨", "revisit": "故障回访", "consult": "咨询答复", "complaint": "投诉联系",
    "in_progress": "拨打中", "done": "已完成", "pending": "等待结果", "reached": "已联系上", "wrong_number": "号码错误",
    "Escalation acknowledged.": "已确认升级提醒。", "Complaint updated.": "投诉已更新。",
    "Complaint clocks met": "投诉时限达标率", "Complaint resolution": "投诉处理率", "Escalations": "升级提醒",
    "Kind": "类别", "Subject": "对象", "Deadline": "期限", "Raised": "提醒时间", "Acknowledge": "确认",
    "No open escalations.": "没有待确认的升级提醒。", "Category": "分类", "Summary": "内容", "Received": "受理时间",
    "Contact by": "联系期限", "Contact clock": "联系时限", "Solution / progress by": "解决/进展期限",
    "Solution / progress clock": "解决/进展时限", "Closed": "结案", "Contacted": "已联系",
    "Solved / progress sent": "已解决/已告知进展", "Overdue callback tasks": "超时回访任务",
    "No overdue tasks.": "没有超时任务。",
    "clock met": "按时", "clock missed": "超时", "clock running": "剩余", "general": "一般投诉", "complex": "复杂投诉",
    "solution": "解决", "progress": "进展",
    "task_overdue": "回访任务超时", "complaint_contact": "投诉未按时联系", "complaint_solution": "投诉未按时解决",
    "complaint_progress": "投诉未按时告知进展", "Late by": "已超时",
    # wallboard
    "Calls waiting": "排队来电", "Longest wait": "最长等待", "Ringing": "振铃中", "Talking": "通话中", "Paused": "示忙",
    "Today's SL": "今日服务水平", "Listener gap: figures may be incomplete": "事件监听曾中断,数据可能不完整",
    "Connection lost, reconnecting…": "连接中断,正在重连…", "State": "状态", "For": "持续",
    "idle": "空闲", "ringing": "振铃", "talking": "通话", "paused": "示忙", "unavailable": "离线",
    # browser softphone (web/templates/softphone/_phone.html)
    "Phone": "电话", "Softphone starting…": "网页电话启动中…",
    "Another tab holds the phone: calls ring there. Close it to use the phone here.":
        "另一个标签页正在使用电话,来电在那里振铃。关闭它即可在此使用电话。",
    "Microphone refused or missing: allow the microphone for this site and reload. You are NOT available for calls.":
        "麦克风被拒绝或不存在:请允许本站使用麦克风并刷新页面。您现在不能接听来电。",
    "Connecting to the phone server…": "正在连接电话服务器…",
    "Phone ready: calls ring here.": "电话就绪:来电在此振铃。",
    "Phone NOT registered: you are not available for calls.": "电话未注册:您现在不能接听来电。",
    "Connection to the phone server lost: reconnecting… You are not available meanwhile.":
        "与电话服务器的连接已断开,正在重连…期间您不能接听来电。",
    "The phone server refused the registration: you are not available for calls.":
        "电话服务器拒绝注册:您现在不能接听来电。",
    "Incoming call": "来电", "In call": "通话中", "Softphone error": "网页电话出错", "Answer": "接听",
    "Hang up": "挂断", "Mute": "静音", "Auto-answer": "自动接听",
}

if __name__ == "__main__":
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    here = Path(__file__).resolve().parent
    web = here.parent
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "babel.cfg"
        cfg.write_text("[python: **.py]\n[jinja2: **/templates/**.html]\n")
        pot = Path(tmp) / "messages.pot"
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(cfg),
                        "-o", str(pot), str(web)], check=True, capture_output=True)
        with pot.open("rb") as fh:
            template = read_po(fh)
    cat = Catalog(locale="zh_Hans_CN", project="hotline", charset="utf-8")
    missing = []
    # the panel has no plural messages: every id is a plain string
    ids = [str(m.id) for m in template if m.id] + [k for k in ZH if k not in {m.id for m in template}]
    for mid in ids:
        if mid not in ZH:
            missing.append(mid)
        cat.add(mid, ZH.get(mid, ""))
    out = here / "zh" / "LC_MESSAGES" / "messages.po"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as fh:
        write_po(fh, cat, omit_header=False, sort_output=True, width=0)
    print(f"wrote {out}; untranslated: {missing}")
