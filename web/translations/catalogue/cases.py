"""zh catalogue: cases, customers, the shift handover, the callback task page, a consultation answered by SMS.
Merged into ``ZH`` by web/translations/zh.py."""

ENTRIES: dict[str, str] = {
    # cases, customers, handover, callback task page (issue 14: web/cases, web/customers, web/handover.py)
    "Cases": "工单", "Case": "工单", "Customers": "客户", "Customer": "客户", "Shift handover": "交接班",
    "New case": "新建工单", "Save case": "保存工单", "Case not saved: %(reason)s": "工单未保存:%(reason)s",
    "nothing was entered: give at least the caller's number or the matter": "未填写任何内容,请至少填写号码或诉求内容。",
    "Case %(id)s saved.": "工单 %(id)s 已保存。", "This case is closed: it is read-only.": "工单已办结,只读。",
    "Address": "地址", "Description": "诉求内容", "What was done": "处理结果", "Resolved on the first call": "一次解决",
    "Opened": "受理时间", "Opened as": "受理为",
    "Edit": "修改", "Save": "保存", "Close case": "办结", "History": "变更记录",
    "Field": "字段", "Old": "原值", "New": "新值", "yes": "是", "no": "否", "None.": "无。",
    "due within a day": "一天内到期", "from call": "来自通话", "Calls and follow-ups": "通话与后续跟进",
    # the case page's call before its record is built (at the hang-up): named by time and number
    "call record not built yet: it is made when the call ends": "通话记录尚未生成,通话结束后生成",
    "This number has open cases (a repeat call about one is linked to it, R-ONE-CALL):":
        "该号码有未办结工单(同一事项再次来电将关联到原工单,R-ONE-CALL):",
    "Complaint": "投诉", "Complaint (R-COMPLAINT)": "投诉(R-COMPLAINT)", "Receipt": "受理回执",
    "accepted at": "受理于", "feedback by": "反馈期限", "SMS sent": "短信已发送", "SMS queued": "短信待发送",
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
    "Not saved: the notes are longer than %(n)s characters.": "未保存:交接事项超过 %(n)s 个字。",
    "Opened by": "交班人", "Acknowledged by": "接班人", "Acknowledged": "接班时间",
    "Acknowledged: this handover is read-only.": "已接班确认,本交接记录只读。",
    "Acknowledge (I take the shift over)": "确认接班", "Handover acknowledged.": "已确认接班。",
    "Open cases": "未办结工单", "Running complaint clocks": "进行中的投诉时限", "Active outages": "当前停播/故障",
    "Escalations still to handle": "未处理的升级提醒", "Not saved: %(reason)s": "未保存:%(reason)s",
    "Callback task": "回访/回呼任务", "Outcome": "结果", "Record outcome": "记录结果",
    "Outcome recorded.": "结果已记录。", "Revisit (R-FAULT-REVISIT)": "回访(R-FAULT-REVISIT)",
    "Fixed?": "是否修好?", "Satisfied?": "是否满意?", "Save answers": "保存回访结果",
    "Revisit answers recorded.": "回访结果已记录。", "Reason for cancelling": "取消原因", "Cancel task": "取消任务",
    "Task cancelled.": "任务已取消。", "suggested from the case": "根据工单建议",
    # issue 14: a consultation answered by SMS (R-CONSULT-24H)
    "Answer by SMS": "短信答复", "Reply text": "答复内容", "Send and close": "发送并办结",
    # the core's refusals (hotline.errors: N_ templates; web/reasons.py says them)
    "%(text)s": "%(text)s", "not a phone number: %(given)r": "不是电话号码:“%(given)s”",
    "no case %(id)s": "没有工单 %(id)s",
    "a complaint needs the customer's number (R-COMPLAINT: they are called back)":
        "投诉须有客户号码(R-COMPLAINT:须回电客户)",
    "only a supervisor reassigns case %(id)s": "只有班长可以改派工单 %(id)s",
    "close a case with close_case (it needs the result)": "请用“办结”关闭工单(须填写处理结果)",
    "case %(id)s is a %(case_kind)s case, not a complaint": "工单 %(id)s 是%(case_kind)s工单,不是投诉",
    "case %(id)s: record what was done (the result) before closing it": "工单 %(id)s:办结前请填写处理结果",
    "case %(id)s is %(case_status)s: only a closed case is revisited":
        "工单 %(id)s 状态为%(case_status)s:只有已办结的工单才能回访",
    "case %(id)s is %(case_status)s: closed cases are read-only": "工单 %(id)s 状态为%(case_status)s:已办结的工单只读",
    "%(role)s %(name)s may not edit case %(id)s": "%(role)s %(name)s 无权修改工单 %(id)s",
    "%(role)s %(name)s may not open cases": "%(role)s %(name)s 无权新建工单",
    "case %(id)s is a %(case_kind)s: only a consultation is answered by SMS":
        "工单 %(id)s 是%(case_kind)s工单:只有咨询工单可以短信答复",
    "the answer must be 1–%(n)s characters": "答复内容须为 1–%(n)s 个字",
    "case %(id)s: no number to send the answer to": "工单 %(id)s:没有可发送答复的号码",
    "%(role)s %(name)s: handovers are the shift leads' (supervisors')": "%(role)s %(name)s:交接班由值班长(班长)负责",
    "no handover %(id)s": "没有交接记录 %(id)s",
    "handover %(id)s was acknowledged by %(name)s: it is read-only": "交接 %(id)s 已由 %(name)s 确认接班:只读",
    "handover %(id)s is %(name)s's to write": "交接 %(id)s 只能由 %(name)s 填写",
    "handover %(id)s: the incoming lead acknowledges, not %(name)s who opened it":
        "交接 %(id)s:应由接班人确认,发起人 %(name)s 不能确认",
    "case categories %(path)s: %(why)s": "工单分类文件 %(path)s:%(why)s",
    "case categories %(path)s: kind %(given)r with its [categories] is missing":
        "工单分类文件 %(path)s:缺少类型“%(given)s”及其 [categories]",
    "%(line)r: give a key and a label": "“%(line)s”:请填写键和名称",
    "%(line)r: unknown kind %(given)r; one of %(choices)s": "“%(line)s”:未知类型“%(given)s”;可选:%(choices)s",
    "%(line)r: a key is latin letters, digits and _ (it is stored on cases)":
        "“%(line)s”:键只能用英文字母、数字和 _(保存在工单上)",
    "%(line)r: key %(given)r twice for %(case_kind)s": "“%(line)s”:键“%(given)s”在%(case_kind)s中重复",
    "unknown case kind %(given)r; one of %(choices)s": "未知工单类型“%(given)s”;可选:%(choices)s",
    "unknown %(case_kind)s category %(given)r": "未知的%(case_kind)s分类“%(given)s”",
    "a customer needs at least one phone number": "客户至少须有一个电话号码",
    "unknown district %(given)r; one of %(choices)s": "未知片区“%(given)s”;可选:%(choices)s",
    "area must be one of %(choices)s, not %(given)r": "城乡须为 %(choices)s 之一,不能是“%(given)s”",
    "no customer %(id)s": "没有客户 %(id)s",
    "number %(number)s belongs to customer %(id)s": "号码 %(number)s 属于客户 %(id)s",
    "vip must be yes or no, not %(given)r": "vip 须为 yes 或 no,不能是“%(given)s”",
    'not UTF-8: save the sheet as "CSV UTF-8"': "不是 UTF-8 编码:请将表格另存为“CSV UTF-8”",
    "no numbers column (columns: %(choices)s)": "没有号码列(列:%(choices)s)",
    "%(n)s cells, the header has %(header)s": "本行 %(n)s 格,表头只有 %(header)s 列",
}
