"""zh catalogue: the operator's prompts and where each standard prompt plays.
Merged into ``ZH`` by web/translations/zh.py."""

ENTRIES: dict[str, str] = {
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
    ('IVR fault report: promise after the ticket number, urban area, repair clock from the next opening'):
        '语音报修:单号后的上门承诺,城区,从下次上班起计时',
    ('IVR fault report: promise after the ticket number, rural area, repair clock from the next opening'):
        '语音报修:单号后的上门承诺,农村,从下次上班起计时',
    ('IVR, outside staffed hours: a caller who asked for an agent (0, or no choice) is promised a callback'):
        '语音导航,非服务时间:要求人工服务(按0或未选择)的来电,承诺上班后回电',
    ('IVR, a caller with an open fault report: after the greeting, followed by its ticket number as digits'):
        '语音导航,有未结报修的来电:问候语后播放,随后逐位播报其单号',
    ('IVR, a caller with an open fault report: after its ticket, no technician has it yet'):
        '语音导航,有未结报修的来电:单号后播放,尚未派到维修人员',
    ('IVR, a caller with an open fault report: after its ticket, a technician has it'):
        '语音导航,有未结报修的来电:单号后播放,已派维修人员',
    ('IVR, a caller with an open fault report: after its ticket, a visit time is booked'):
        '语音导航,有未结报修的来电:单号后播放,已预约上门时间',
    ('IVR, a caller with an open fault report: after its ticket, it waits for a published outage to end'):
        '语音导航,有未结报修的来电:单号后播放,等待已发布的区域故障修复',
    ('IVR, a caller with an open fault report: 1 hear it again, 0 urge it and queue for an agent, else the menu'):
        '语音导航,有未结报修的来电:按1重听,按0催修并转人工,其他进入主菜单',
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
    # where the district question plays (issue 15: phrases.toml's `used`)
    "IVR fault report, a caller not in the customer master: the district (settings.districts, by keypad)":
        "语音导航报修,客户资料中没有的来电:按键选择片区(服务参数中的片区)",
}
