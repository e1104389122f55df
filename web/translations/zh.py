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
    # cases, customers, handover, callback task page (issue 14: web/cases, web/customers, web/handover.py)
    "Cases": "工单", "Case": "工单", "Customers": "客户", "Customer": "客户", "Shift handover": "交接班",
    "New case": "新建工单", "Save case": "保存工单", "Case not saved: %(reason)s": "工单未保存:%(reason)s",
    "Case %(id)s saved.": "工单 %(id)s 已保存。", "This case is closed: it is read-only.": "工单已办结,只读。",
    "Address": "地址", "Description": "诉求内容", "What was done": "处理结果", "Resolved on the first call": "一次解决",
    "Opened": "受理时间", "Edit": "修改", "Save": "保存", "Close case": "办结", "History": "变更记录",
    "Field": "字段", "Old": "原值", "New": "新值", "yes": "是", "no": "否", "None.": "无。",
    "due within a day": "一天内到期", "from call": "来自通话", "Calls and follow-ups": "通话与后续跟进",
    "This number has open cases (a repeat call about one is linked to it, R-ONE-CALL):":
        "该号码有未办结工单(同一事项再次来电将关联到原工单,R-ONE-CALL):",
    "Complaint": "投诉", "Complaint (R-COMPLAINT)": "投诉(R-COMPLAINT)", "Receipt": "受理回执",
    "accepted": "受理于", "feedback by": "反馈期限", "SMS sent": "短信已发送", "SMS queued": "短信待发送",
    "Clock": "时限", "Done": "完成", "Supervisor contact (2 h)": "班长联系客户(2 小时)",
    "Register a complaint": "登记投诉", "Register complaint": "登记投诉",
    "Complaint categories by month": "投诉分类月度分析", "Year": "年", "Month": "月", "Months": "月数",
    "Total": "合计",
    "Each cell: complaints received that month, (change against the month before), mean hours to resolution.":
        "每格:当月受理投诉数(较上月变化)、平均解决时长(小时)。",
    "new": "新建", "Numbers": "号码", "Numbers (the first is the main one; separate with spaces)":
        "号码(第一个为主号码,以空格分隔)", "District": "片区", "Account": "账号", "Number or name": "号码或姓名",
    "New customer": "新建客户", "Import CSV": "导入 CSV", "Export CSV": "导出 CSV", "Import customers": "导入客户",
    "Import": "导入", "Line": "行", "Problem": "问题", "Choose a CSV file.": "请选择 CSV 文件。",
    "Customer not saved: %(reason)s": "客户未保存:%(reason)s", "Customer %(id)s saved.": "客户 %(id)s 已保存。",
    "Imported: %(created)s new, %(updated)s updated.": "已导入:新增 %(created)s 条,更新 %(updated)s 条。",
    "Nothing imported: fix the rows below and upload the file again.": "未导入任何记录:请修正以下各行后重新上传。",
    ("Columns: numbers,name,address,district,area,vip,account (or 号码 姓名 地址 片区 城乡 vip 账号); UTF-8; "
     "several numbers separated by \";\". A row whose number is known updates that customer. One bad row and "
     "nothing is imported."):
        ("列:numbers,name,address,district,area,vip,account(或 号码 姓名 地址 片区 城乡 vip 账号);UTF-8;"
         "多个号码以“;”分隔。号码已存在的行更新该客户。任何一行有错,全部不导入。"),
    "Notes": "交接事项", "Save notes": "保存交接事项", "Notes saved.": "交接事项已保存。",
    "Open a handover (every open matter is listed)": "发起交接(列出全部未了事项)",
    "Handover %(id)s opened with every open matter.": "交接 %(id)s 已发起,已列出全部未了事项。",
    "Opened by": "交班人", "Acknowledged by": "接班人", "Acknowledged": "接班时间",
    "Acknowledged: this handover is read-only.": "已接班确认,本交接记录只读。",
    "Acknowledge (I take the shift over)": "确认接班", "Handover acknowledged.": "已确认接班。",
    "Open cases": "未办结工单", "Running complaint clocks": "进行中的投诉时限", "Active outages": "当前停播/故障",
    "Unacknowledged escalations": "未确认的升级提醒", "Not saved: %(reason)s": "未保存:%(reason)s",
    "Callback task": "回访/回呼任务", "Outcome": "结果", "Record outcome": "记录结果",
    "Outcome recorded.": "结果已记录。", "Revisit (R-FAULT-REVISIT)": "回访(R-FAULT-REVISIT)",
    "Fixed?": "是否修好?", "Satisfied?": "是否满意?", "Save answers": "保存回访结果",
    "Revisit answers recorded.": "回访结果已记录。", "Reason for cancelling": "取消原因", "Cancel task": "取消任务",
    "Task cancelled.": "任务已取消。", "suggested from the case": "根据工单建议",
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
    # field service, the desk's audit on the call page (issues 13, 15: web/field, web/desk)
    "not a date and time: %(v)s": "不是有效的日期时间:%(v)s", "Order accepted.": "已接单。",
    "Time booked.": "已预约上门时间。", "Arrival recorded.": "已记录到达。", "Order fixed.": "已修复。",
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
    # the operator's prompts (#18)
    "Prompts": "语音提示",
    "Prompt": "语音提示",
    "Rule": "规范条款",
    "Where it plays": "播放位置",
    "Audio": "音频",
    "Listen": "试听",
    "own text": "自定义文本",
    "recording": "录音",
    "missing": "缺失",
    "unknown": "未知",
    "built by the speech engine": "语音合成生成",
    "recording uploaded": "上传录音",
    "reverted to speech": "恢复为语音合成",
    "text edited": "修改文本",
    "version restored": "恢复历史版本",
    "What callers hear: every standard phrase, what made its audio and where it plays. A recording or a new text "
    "is heard from the next call on, with no restart.":
        "来电客户听到的内容:每条规范用语、其音频来源和播放位置。上传的录音或修改的文本从下一通电话起生效,无需重启。",
    "The recording does not say this text.": "录音内容与当前文本不一致。",
    "It says:": "录音内容:",
    "Upload a recording": "上传录音",
    "wav, mp3, m4a or ogg, at most %(max)s s without its silence. It is converted for the telephone (8 kHz), its "
    "silence trimmed and its loudness set to that of the other prompts.":
        "支持 wav、mp3、m4a 或 ogg,去除静音后最长 %(max)s 秒。"
        "系统会将其转换为电话音质(8 kHz),去除首尾静音,并将音量调整到与其他提示音一致。",
    "Upload": "上传",
    "Placeholders as in the catalogue: {company}, {sla_urban_arrive}, {sla_rural_arrive}, {hours_open}, "
    "{hours_close}. The speech engine says a new text at once; a recording is kept and marked until a new one is "
    "uploaded.":
        "可使用与用语目录相同的占位符:{company}、{sla_urban_arrive}、{sla_rural_arrive}、{hours_open}、{hours_close}。语音合成会立即播报新文本;录音会"
        "保留并标记为不一致,直到上传新的录音。",
    "Save text": "保存文本",
    "Revert to speech": "恢复为语音合成",
    "What": "操作",
    "Restore this version": "恢复此版本",
    "No changes yet.": "尚无修改。",
    "Choose a recording to upload.": "请选择要上传的录音。",
    "Recording uploaded: callers hear it from the next call on.": "录音已上传:从下一通电话起生效。",
    "The speech engine says this prompt again.": "已恢复为语音合成播报。",
    "Text saved.": "文本已保存。",
    "Version %(version)s restored: callers hear it from the next call on.":
        "已恢复版本 %(version)s:从下一通电话起生效。",
    "%(name)s is not an audio file that can be read (wav, mp3, m4a, ogg are accepted).":
        "%(name)s 不是可读取的音频文件(支持 wav、mp3、m4a、ogg)。",
    "%(name)s is silent: nothing to hear in it.": "%(name)s 是静音文件,听不到任何声音。",
    "%(name)s is %(seconds)s s long without its silence; a prompt may be at most %(max)s s.":
        "%(name)s 去除静音后长 %(seconds)s 秒;提示音最长 %(max)s 秒。",
    "This prompt has no version %(version)s.": "此提示音没有版本 %(version)s。",
    "The file of version %(version)s is gone.": "版本 %(version)s 的文件已不存在。",
    "The speech engine could not say this text: %(why)s": "语音合成无法播报此文本:%(why)s",
    "This prompt is no recording: the speech engine says it already.": "此提示音不是录音,已由语音合成播报。",
    "The text is empty.": "文本为空。",
    "The text is %(n)s characters long; at most %(max)s.": "文本长 %(n)s 个字符;最多 %(max)s 个。",
    "The file is larger than %(mb)s MB: upload a shorter recording, or an mp3, m4a or ogg.":
        "文件超过 %(mb)s MB:请上传较短的录音,或 mp3、m4a、ogg 格式。",
    "The text cannot be said: %(why)s": "无法播报此文本:%(why)s",
    "The prompt already has this text.": "此提示音已是该文本。",
    # service settings (issue 18: web/service_settings, labels from hotline/service_settings/fields.py)
    "Service settings": "服务参数",
    "Setting": "参数",
    "Old value": "原值",
    "New value": "新值",
    "hotline.toml:": "配置文件:",
    "Saved values apply everywhere within seconds, no restart. Ports, database and secrets stay in hotline.toml.":
        "保存后各服务在数秒内生效,无需重启。端口、数据库和密钥仍在 hotline.toml 中配置。",
    "Nothing saved: %(n)s field(s) to correct.": "未保存:有 %(n)s 项需要更正。",
    "Saved %(n)s change(s): every service applies them within seconds.": "已保存 %(n)s 项修改:各服务数秒内生效。",
    "Revert to the file value": "恢复为配置文件的值",
    "(the file value)": "(配置文件的值)",
    "Not reverted: %(why)s": "未恢复:%(why)s",
    "Reverted to the file value: every service applies it within seconds.": "已恢复为配置文件的值:各服务数秒内生效。",
    "Service hours (R-ANS-HOURS)": "服务时间(R-ANS-HOURS)",
    "Ring rule (R-ANS-4RINGS)": "振铃规则(R-ANS-4RINGS)",
    "Repair limits (R-FAULT-SLA)": "维修时限(R-FAULT-SLA)",
    "Holidays and working days": "节假日与调休",
    "Fault types, districts, break reasons": "故障类型、片区、小休原因",
    "Case and complaint categories": "工单与投诉分类",
    "KPI targets (R-KPI)": "考核指标(R-KPI)",
    "Callback rules": "回访回拨规则",
    "Opens at (HH:MM)": "开始时间(时:分)",
    "Closes at (HH:MM; equal to the opening: around the clock)": "结束时间(时:分;与开始时间相同即全天)",
    "One ring cycle, seconds": "一声振铃周期(秒)",
    "Answered within this many rings": "在几声内接听",
    "Urban: arrive within, minutes": "城区:到达时限(分钟)",
    "Urban: small fault fixed within, minutes": "城区:小故障修复时限(分钟)",
    "Urban: big fault fixed within, minutes": "城区:大故障修复时限(分钟)",
    "Rural: arrive within, minutes": "农村:到达时限(分钟)",
    "Rural: small fault fixed within, minutes": "农村:小故障修复时限(分钟)",
    "Rural: big fault fixed within, minutes": "农村:大故障修复时限(分钟)",
    "Reports before this are handled the same evening (HH:MM)": "此时间前报修当晚处理(时:分)",
    "A same-evening small fault is fixed by (HH:MM)": "当晚处理的小故障修复截止(时:分)",
    "Special periods: FROM..TO [cutoff], one per line (e.g. 2026-12-24..2027-01-03 24:00)":
        "特殊时期:起..止 [截止时间],每行一项(如 2026-12-24..2027-01-03 24:00)",
    "Extra days off (YYYY-MM-DD, one per line)": "另增休息日(年-月-日,每行一项)",
    "Extra working days (YYYY-MM-DD, one per line)": "另增工作日(年-月-日,每行一项)",
    "IVR fault types: key n is line n": "语音导航故障类型:第 n 行即按键 n",
    "Districts (empty: any)": "片区(空:不限)",
    "Break reasons": "小休原因",
    "Case categories replacing the file's, per kind: KIND KEY LABEL per line":
        "工单分类(按类型替换配置文件的分类):每行 类型 键 名称",
    "Complaint categories (R-COMPLAINT-CATEGORIES): KEY LABEL per line":
        "投诉分类(R-COMPLAINT-CATEGORIES):每行 键 名称",
    "Customer satisfaction target, percent": "客户满意率目标(百分比)",
    "On-time handling target, percent": "及时处理率目标(百分比)",
    "Complaint resolution target, percent": "投诉处理率目标(百分比)",
    "Standard compliance target, percent": "服务规范达标率目标(百分比)",
    "Below target this many months in a row: retraining": "连续几个月未达标需再培训",
    "A missed caller is called back within, minutes": "未接来电回拨时限(分钟)",
    "Repair revisits: next working morning from (HH:MM)": "报修回访:次个工作日上午自(时:分)",
    "Repair revisits: until (HH:MM)": "报修回访:至(时:分)",
    "Consultation answered within, working hours": "咨询答复时限(工作小时)",
    "Complaint: customer contacted within, hours": "投诉:联系客户时限(小时)",
    "Complaint: solved within, hours": "投诉:解决时限(小时)",
    "Complex complaint: progress reported within, hours": "复杂投诉:进展反馈时限(小时)",
    "An overdue task is anyone's after, minutes": "超时任务转为公共任务(分钟)",
    "Dials per callback task": "每个回拨任务的拨打次数",
    "Between two dials of a task, minutes": "两次拨打间隔(分钟)",
    # issue 15: the fault reports page with their work orders
    "Work order": "维修工单",
    "Fault report %(t)s has a work order: its technician marks it fixed.": "报修 %(t)s 已派维修工单,由维修员标记修复。",
    # issue 14: a consultation answered by SMS (R-CONSULT-24H)
    "Answer by SMS": "短信答复", "Reply text": "答复内容", "Send and close": "发送并办结",
    # issue 15: work orders' states (the label filter) and the field service's escalations
    "unassigned": "待派单", "dispatched": "已派单", "booked": "已预约", "arrived": "已到达", "fixed": "已修复",
    "cannot_fix": "无法修复", "outage": "区域故障中", "restored": "已恢复",
    "order_unassigned": "工单无人可派", "order_unaccepted": "工单超时未接", "order_late_arrival": "维修员未按时到达",
    "order_overdue": "工单超时未修复", "outage_suggested": "疑似区域故障",
    # the agents' time in states on the supervisor page (issue 13: web/team)
    "Agents' time in states": "坐席状态时长", "Break by reason": "小休(按原因)", "My time in states": "我的状态时长",
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
    # where each standard prompt plays (hotline/phrases.toml `used`; test_prompts_admin checks each has one)
    "SayDigits in zh: ticket numbers, work numbers, phone numbers": "逐位播报:受理单号、工号、电话号码",
    ('IVR: first thing every inbound caller hears'):
        '语音导航:每个来电最先听到',
    ('IVR: main menu (1 fault report, 2 consultation, 3 complaint, 0 agent)'):
        '语音导航:主菜单(1 故障报修,2 业务咨询,3 投诉,0 人工服务)',
    ('IVR: any menu, a key that is not offered'):
        '语音导航:任一菜单,按了未提供的键',
    ('IVR: any menu, no key before the timeout'):
        '语音导航:任一菜单,超时未按键',
    ("IVR fault report: confirm the caller's number as contact number"):
        '语音报修:确认以来电号码为联系电话',
    ('IVR fault report: enter another contact number'):
        '语音报修:输入其他联系电话',
    ('IVR fault report: account number'):
        '语音报修:用户编号',
    ('IVR fault report: area, which decides the repair time limit'):
        '语音报修:区域(决定维修时限)',
    ('IVR fault report: fault type'):
        '语音报修:故障类型',
    ('IVR fault report: recorded voice description'):
        '语音报修:录音描述故障',
    ('IVR fault report: confirmation'):
        '语音报修:确认提交',
    ('IVR fault report: read-back, followed by the ticket number as digits'):
        '语音报修:受理播报,随后逐位播报单号',
    ('IVR fault report: promise after the ticket number, urban area'):
        '语音报修:单号后的上门承诺,城区',
    ('IVR fault report: promise after the ticket number, rural area'):
        '语音报修:单号后的上门承诺,农村',
    ('IVR: known outage notice, followed by one outage_cause_* prompt'):
        '语音导航:已知停播通知,随后播放一条停播原因(outage_cause_*)',
    ('IVR: known outage cause'):
        '语音导航:已知停播原因',
    ('IVR: after the outage cause'):
        '语音导航:停播原因之后',
    ('IVR: outside staffed hours, before taking the fault report'):
        '语音导航:非人工服务时间,受理报修之前',
    ('IVR: consultation that waits for a callback'):
        '语音导航:需回电答复的咨询',
    ('IVR: complaint taken'):
        '语音导航:投诉已受理',
    ('queue: on entering the agent queue'):
        '排队:进入人工队列时',
    ('queue: periodic announcement while all agents are busy'):
        '排队:坐席全忙时定时播放',
    ('agent connect: the caller waited past the allowed rings'):
        '接通话务员:客户等待超过规定振铃声数',
    ('IVR / agent: the caller says nothing'):
        '语音导航/话务员:客户不说话',
    ('IVR / agent: the caller is too quiet'):
        '语音导航/话务员:客户声音太小',
    ("agent connect: '工号' + work number digits + work_number_suffix"):
        '接通话务员:“工号” + 工号数字 + work_number_suffix',
    ('agent connect: after the work number digits'):
        '接通话务员:工号数字之后',
    ('after the agent hangs up: satisfaction survey'):
        '话务员挂机后:满意度评价',
    ('after the survey key'):
        '满意度按键之后',
    ('IVR: end of every self-service path'):
        '语音导航:每条自助流程结束时',
    ('agent desk: the agent flags a malicious call; then the agent may end it'):
        '坐席工作台:话务员标记恶意骚扰后,可结束通话',
    # the metric definitions of the supervisor page (hotline.metrics.METRICS; test_team checks each has one)
    ('inbound calls that reached the queue (answered + abandoned + timeout, or queued_at set)'):
        ('进入队列的呼入电话(已接通 + 放弃 + 排队超时,或有 queued_at)'),
    ('inbound calls that ended in the IVR without reaching the queue (disposition ivr); counted apart'):
        ('在语音导航中结束、未进入队列的呼入电话(结果 ivr);单独统计'),
    ('inbound calls bridged with an agent (disposition answered, agent set)'):
        ('与话务员接通的呼入电话(结果已接通,有话务员)'),
    ('mean wait_seconds of answered calls'):
        ('已接通电话的平均等待时长(wait_seconds)'),
    ("(talk_seconds of the answered calls + the agents' after-call work (话后整理, the desk's presence) in the"
     ' period) ÷ answered calls'):
        ('(已接通电话的通话时长 + 本期话务员的话后整理时长(坐席状态))÷ 已接通电话数'),
    ('answered ring attempts within 4 rings ÷ answered ring attempts, per agent (attempts of the inbound c'
     "alls of the period); within = the call's within_4_rings (else ring_seconds ≤ max_rings × ring_cycle_"
     's)'):
        ('四声内接起的振铃次数 ÷ 接起的振铃次数,按话务员统计(本期呼入电话的振铃);四声内以通话的 wit'
         'hin_4_rings 为准(否则振铃秒数 ≤ max_rings × ring_cycle_s)'),
    ('answered attempts past 4 rings + every no_answer attempt (rang out) of that agent'):
        ('该话务员超过四声才接起的振铃次数 + 每次振铃未接(no_answer)'),
    ('ring attempts of the agent that rang out unanswered (result no_answer)'):
        ('该话务员振铃超时未接的次数(结果 no_answer)'),
    ('answered with wait ≤ service_level_s ÷ (answered + abandoned after short_abandon_s + timeouts); the '
     "queue's figure: an agent has none (see sl_answered)"):
        ('等待 ≤ service_level_s 接通的电话 ÷(已接通 + 等待超过 short_aban'
         'don_s 的放弃 + 排队超时);队列的指标,话务员无此项(见服务水平(÷接通))'),
    ('answered with wait ≤ service_level_s ÷ answered; the only service level an agent has (an agent is of'
     'fered no calls: the queue is)'):
        ('等待 ≤ service_level_s 接通的电话 ÷ 已接通;话务员唯一的服务水平(电话分配给队'
         '列,不分配给话务员)'),
    ('abandoned with wait > short_abandon_s ÷ offered; short abandons (wait ≤ short_abandon_s) listed apar'
     't'):
        ('等待超过 short_abandon_s 的放弃 ÷ 进入队列;短时放弃(等待 ≤ short_ab'
         'andon_s)单列'),
    ('inbound calls abandoned in the queue with wait > short_abandon_s'):
        ('在队列中等待超过 short_abandon_s 后放弃的呼入电话'),
    ('abandoned with wait ≤ short_abandon_s'):
        ('等待 ≤ short_abandon_s 即放弃'),
    ('left the queue unanswered after queue_timeout_s'):
        ('排队超过 queue_timeout_s 仍未接通而离开队列'),
    ('answered calls where the agent hung up first (hangup_first = agent), except calls flagged malicious '
     "(HOTLINE_MALICIOUS: the rule's one exception) or ended by a supervisor (HOTLINE_FORCED_HANGUP)"):
        ('话务员先挂机的已接通电话(hangup_first = 话务员),标记为恶意骚扰的电话(HOTLIN'
         'E_MALICIOUS,本规则唯一例外)或被班长强拆的电话(HOTLINE_FORCED_HANGU'
         'P)除外'),
    ('inbound calls from a number that already called within repeat_window_h about a matter still open (th'
     'at earlier call was not answered by an agent, or left a fault ticket) ÷ inbound calls with a caller '
     'number'):
        ('来电号码在 repeat_window_h 内已来电且事项未结(上次未被话务员接通,或留下了报修单)'
         '的呼入电话 ÷ 有主叫号码的呼入电话'),
    ('missed-call tasks made in the period that were closed within callback_missed_due_min of the missed c'
     'all — a callback reached the customer, or they called again and were answered — ÷ missed-call tasks '
     'made in the period (withheld numbers make no task and are not counted)'):
        ('本期生成、在未接来电后 callback_missed_due_min 内关闭的未接来电回拨任务(回'
         '拨联系到客户,或客户再次来电并被接通)÷ 本期生成的未接来电回拨任务(隐藏号码不生成任务,不计入)'),
    ('revisit tasks due in the period that were done (customer reached, both answers — fixed? satisfied? —'
     ' recorded) ÷ revisit tasks due in the period that are done, reached without both answers, failed, or'
     ' still open past their deadline; cancelled tasks and deadlines still ahead do not count'):
        ('本期到期且已完成(联系到客户,两个问题——修好了吗?满意吗?——均已记录)的回访任务 ÷ 本期到期且'
         '已完成、联系到但未答全两个问题、失败或超期未完成的回访任务;已取消的任务和未到期的任务不计入'),
    ('fault reports (with a fix-by time) closed by their fix-by ÷ reports closed + reports open past their'
     " fix-by; a closed report's updated_at is its repair time"):
        ('(有修复期限的)报修中在修复期限前关闭的 ÷ 已关闭的报修 + 超过修复期限仍未关闭的报修;已关闭报'
         '修的 updated_at 即修复时间'),
    ('clocks of the complaints received in the period (contact 2 h; solution 24 h for a general one, progr'
     'ess 72 h for a complex one) stopped by their deadline ÷ clocks stopped or past their deadline; clock'
     's still running within their deadline do not count'):
        ('本期受理投诉的各项时限(联系客户 2 小时;一般投诉 24 小时内解决,复杂投诉 72 小时内反馈进'
         '展)在期限内完成的 ÷ 已完成或已超期的时限;未超期仍在计时的不计入'),
    ('general complaints received in the period solved within complaint_solution_h ÷ general complaints so'
     'lved or past that deadline (the solution clock of complaint_clocks)'):
        ('本期受理、在 complaint_solution_h 内解决的一般投诉 ÷ 已解决或已超过该期限的'
         '一般投诉(投诉时限中的解决时限)'),
    ('surveys answered 1 (satisfied) ÷ surveys answered; per agent, a rating counts for the agent who sent'
     ' the caller to the survey (HOTLINE_SURVEY_AGENT), else the last agent the caller talked to'):
        ('满意度评价按 1(满意)的次数 ÷ 评价次数;按话务员统计时,评价计入把客户转到满意度评价的话务员('
         'HOTLINE_SURVEY_AGENT),否则计入客户最后通话的话务员'),
    ('calls with a current QA grade'):
        ('有当前质检评分的电话'),
    ('mean score of the current QA grade of each graded call (a correction replaces the grade it corrects)'):
        ('每个已质检电话当前评分的平均分(更正的评分取代被更正的评分)'),
    ('answered calls that were within 4 rings or apologised (HOTLINE_LATE_APOLOGY) and where the agent did'
     ' not hang up first ÷ answered calls'):
        ('四声内接起或已致歉(HOTLINE_LATE_APOLOGY)且话务员未先挂机的已接通电话 ÷ 已接'
         '通电话'),
    ('cases resolved on the call (first_call_resolved yes) ÷ cases where the desk recorded yes or no; per '
     "agent by the case's owner"):
        ('首次来电解决的工单(first_call_resolved 为是)÷ 坐席记录了是或否的工单;按话务'
         '员统计时以工单负责人为准'),
    ('cases created in the period per kind (报修 咨询 投诉 建议 表扬 业务办理) and category'):
        ('本期按类型(报修 咨询 投诉 建议 表扬 业务办理)和分类新建的工单'),
    ("cases closed by their deadline (the kind's rule: R-FAULT-SLA, R-CONSULT-24H, R-COMPLAINT, case_defau"
     'lt_due_h) ÷ cases closed or still open past it; cases within their deadline do not count'):
        ('在期限内关闭的工单(按类型的规则:R-FAULT-SLA、R-CONSULT-24H、R-COMPL'
         'AINT、case_default_due_h)÷ 已关闭或超期未关闭的工单;未到期的工单不计入'),
    ('complaint cases closed by their deadline (solution 24 h general / progress 72 h complex) ÷ complaint'
     ' cases closed or still open past it'):
        ('在期限内关闭的投诉工单(一般投诉 24 小时解决 / 复杂投诉 72 小时反馈进展)÷ 已关闭或超期'
         '未关闭的投诉工单'),
    # the technicians' weekly rota
    "Mon": "周一", "Tue": "周二", "Wed": "周三", "Thu": "周四", "Fri": "周五", "Sat": "周六", "Sun": "周日",
    "Public holiday": "法定节假日", "Make-up workday": "调休工作日",
    # a call's IVR steps on its timeline
    "greeting": "欢迎语", "outage notice": "停播通知", "out of hours": "非服务时间", "main menu": "主菜单",
    "to the agents": "转人工", "callback offered": "预约回拨", "fault: contact number": "报修:联系电话",
    "fault: account": "报修:用户编号", "fault: area": "报修:区域", "fault: type": "报修:故障类型",
    "fault: confirm": "报修:确认", "fault: ticket": "报修:受理单号", "fault: description": "报修:故障描述",
    "satisfaction survey": "满意度评价", "no key in time": "超时未按键", "wrong key": "按键无效",
    "Calling %(number)s (task %(task)s): your phone rings first": "正在回拨 %(number)s(任务 %(task)s):请先接起您的话机",
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
    # where the district question plays (issue 15: phrases.toml's `used`)
    "IVR fault report, a caller not in the customer master: the district (settings.districts, by keypad)":
        "语音导航报修,客户资料中没有的来电:按键选择片区(settings.districts)",
    # internal calls (session 5)
    "internal call": "内部通话",
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
