"""zh catalogue: the agent desk's screen pop and call controls.
Merged into ``ZH`` by web/translations/zh.py."""

ENTRIES: dict[str, str] = {
    # the desk's screen pop (newcomer walk)
    "Record a case": "登记工单",
    # the agent's own dial (外呼 / 回拨) on the desk: its phone, then the customer, rings; unanswered
    "Dialling out": "外呼中", "Not reached": "未接通", "own dial-out": "外呼",
    # 保持 during 咨询转接, the keyboard shortcuts (desk.js KEYS)
    "Consultation in progress: the transfer is holding the caller. Hold is available again once you complete or "
    "cancel it.":
        "咨询中:客户已由转接保持,此时保持会保持被咨询方。完成转接或取消咨询后可再保持。",
    "Keyboard shortcuts": "快捷键",
    "Alt+letter and F-keys work anywhere on the desk, even in a text field; ? opens this list when you are not "
    "typing. A key whose button is not available right now says why.":
        "Alt+字母键和功能键在工作台任何位置都可用(输入框内也可);在输入框外按 ? 显示本列表。"
        "当前不可用的按钮,其快捷键会提示原因。",
    "%(label)s (%(key)s) is not available right now.": "%(label)s(%(key)s)当前不可用。",
    "Logged out": "签出", "Ready for calls": "示闲", "Not ready": "示忙", "On a break": "小休",
    "After-call work": "话后整理", "After-call work: %(s)s s left": "话后整理:还剩 %(s)s 秒",
    "Your state: %(state)s": "当前状态:%(state)s",
    "Call transferred.": "已转接。", "Consultation started: the caller is on hold.": "咨询中:客户在保持。",
    "Transfer completed.": "已完成转接。",
    "Consultation cancelled: you are back with the caller.": "已取消咨询,回到客户通话。",
    "The caller is rating your service.": "已转满意度评价。",
    "Standard phrase played to the caller.": "已向客户播放规范用语。",
    "Flagged as a malicious call: the warning plays to the caller.": "已标记恶意骚扰:向对方播放警告。",
    "Call hung up.": "已挂断。", "The call has ended.": "通话已结束。", "This is not your call.": "这不是您的通话。",
    "The call is not answered yet.": "通话尚未接通。",
    # desk refusals (session 5): hotline.desk.refusals.Refusal said by web/desk/messages.py, the
    # desk's and the wallboard's own refusals
    "Not done.": "未完成。",
    "a break needs one of the reasons %(reasons)s.": "小休需选择原因:%(reasons)s。",
    "the extension is not an agent of this hotline.": "该分机不是本热线的坐席。",
    "choose another agent of this hotline.": "请选择本热线的其他坐席。",
    "not a standard phrase.": "不是规范用语。",
    "this state is set by the calls and cannot be chosen.": "该状态随通话变化,不能手动选择。",
    "you are on a call: you can be ready for calls once it ends.": "您正在通话中,通话结束后才能示闲。",
    "you are not in after-call work.": "您当前不在话后整理。",
    "a consultation is already in progress.": "已有进行中的咨询。",
    "no consultation is in progress.": "当前没有进行中的咨询。",
    "the consulted agent has not answered yet.": "被咨询的坐席尚未接听。",
    "the phone system did not start the consultation: the caller is still with you.":
        "交换机未能发起咨询:来电者仍与您通话。",
    "you are being consulted: this control would act on the consulting agent, not the caller. Hang up ends the "
    "consultation.": "您正在被咨询:此操作将作用于发起咨询的坐席,而非来电者;挂断可结束咨询。",
    "In consultation (from %(agent)s)": "咨询中 (来自 %(agent)s)",
    "the caller's line of this call could not be found: nothing was ended.":
        "找不到该通话的来电方线路:未挂断任何一方。",
    "the phone system refused it.": "交换机拒绝了该操作。",
    "the phone system cannot be reached.": "无法连接交换机。",
    "another change of this state is still under way: try again in a moment.": "另一项状态变更尚未完成,请稍后再试。",
    "Unknown state: %(state)s": "未知状态:%(state)s",
    "Unknown action: %(action)s": "未知操作:%(action)s",
    "Unknown control: %(control)s": "未知控制:%(control)s",
    "Unknown mode: %(mode)s": "未知监控方式:%(mode)s",
    "No call: nothing is ringing or connected at your desk.": "没有通话:您的工作台上没有振铃或通话。",
    "No live call of an agent of this hotline given.": "未指定本热线坐席的当前通话。",
    "No phone to ring: ask an administrator to give your user an extension.":
        "没有可振铃的话机:请联系管理员为您的账号设置分机号。",
    "%(agent)s is not an agent of this hotline.": "%(agent)s 不是本热线的坐席。",
    "%(agent)s: %(state)s": "%(agent)s:%(state)s",
    "Your phone will ring: answer it to listen in.": "您的话机正在振铃:接起后监听通话。",
    "Your phone will ring: once you answer, only the agent hears you.":
        "您的话机正在振铃:接起后耳语,仅坐席能听到您。",
    "Your phone will ring: once you answer, the caller and the agent both hear you.":
        "您的话机正在振铃:接起后强插,客户和坐席都能听到您。",
    "The call was ended.": "通话已被强拆。",
    "not a phone number.": "不是电话号码。",
    # what the desk's and the wallboard's scripts say when the answer is no refusal of ours (web/refusal.py)
    "No response from the server (HTTP %(status)s): try again.": "系统未应答(HTTP %(status)s):请重试。",
    "Network error: nothing was sent. Try again.": "网络错误:未发送,请重试。",
    "Your session has ended: log in again.": "登录已失效:请重新登录。",
    # the desk's own words (desk.html, its labels for desk.js): the hosted contact centre's terms the
    # agents know (示闲 / 示忙 / 小休 / 签出), English on the English page
    "Take a break": "小休", "Sign out": "签出", "Number to dial": "外呼号码", "Dial out": "外呼",
    "Extend after-call work": "继续整理", "End after-call work": "返回接听", "On hold": "保持中",
    "Repeat call: this caller has an open matter": "重复来电:有未结事项", "IVR choices on this call": "本次IVR",
    "Wait": "等待",
    "Talk time": "通话时长",
    "Transferred": "已转接",
    "An apology was played at the answer": "接听时已播放致歉",
    "This number is not in the customer master": "客户资料中无此号码",
    "No earlier contact from this number": "此号码无来往记录",
    "Hold: press your phone's hold key": "保持:请按话机的保持键", "Queue": "队列", "Consult transfer": "咨询转接",
    "Complete transfer": "完成转接", "Cancel consultation": "取消咨询", "Transfer to survey": "转满意度",
    "Please speak": "请讲", "Please repeat": "请重复", "Thanks, goodbye": "感谢再见", "Malicious call": "恶意骚扰",
    "Contact history": "来往记录", "(last %(n)s)": "(最近%(n)s次)", "Call back": "回拨", "Content": "内容",
    "Idle": "空闲", "Unavailable": "不可用", "Missed": "未接", "Fault report": "故障报修",
    "An apology will play when you answer": "接听时将播放致歉", "Not closed": "未结", "Resume": "取回",
    "On hold: the caller hears the hold music": "已保持:客户正在听等待音乐",
    "Resumed: thank the caller for holding": "已取回:请向客户致谢",
    "The phone is still busy with the last hold or resume: try again in a moment":
        "话机正忙(上一次保持或取回未完成),请稍后再试",
    "The caller has been on hold for over %(limit)s s: resume the call and thank them for waiting":
        "客户已保持超过 %(limit)s 秒:请取回,并感谢客户耐心等待",
    "Menu choice": "菜单选择", "Contact number": "联系电话", "Fault ticket": "报修单号",
    "Heard the outage notice": "已听停机通知", "Open matters": "未结事项",
    "Told the standing of ticket": "已播报进度的报修单", "Fault area": "区域",
    "Customer area": "片区", "Consultation": "业务咨询", "An agent": "人工服务", "None chosen": "未选择",
    "Call ended": "已结束",
    # a control's outcome on the call page's audit
    "not this agent's call": "不是该话务员的通话", "not answered yet": "尚未接通", "refused": "被拒绝",
}
