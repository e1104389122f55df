"""zh catalogue: the PBX's record of the agents' log-ins and pauses (web/pbx_presence, the
supervisor's 坐席签入签出明细 / 状态明细). Merged into ``ZH`` by web/translations/zh.py."""

ENTRIES: dict[str, str] = {
    "Log-ins and pauses": "签入签出明细", "Log-ins and pauses on the PBX": "坐席签入签出及暂停明细(交换机记录)",
    "Log-ins and log-outs": "签入签出", "Pauses": "暂停", "Date": "日期",
    # an agent shown with pauses and no session: a static member (hotline.pbx_presence.DayRecord.without_sessions)
    "No log-in recorded for %(agents)s: static queue members (queues.conf) are in the queue from the PBX's start, "
    "so the PBX records no log-in for them and their sessions and online time read 0. Their log-ins at the desk "
    "are in the agents' time in states on the Team page.":
        "%(agents)s 无签入记录:静态队列成员自交换机启动起即在队列中,交换机不为其记录签入,"
        "故签入次数为 0、在线时长为 0:00。其在工作台的签入签出见班组页的坐席状态时长。",
    "Agent pool": "坐席池", "Sessions": "签入次数", "Online time": "在线时长", "Paused time": "暂停时长",
    "Logged in at": "签入", "Logged out at": "签出", "online": "在线", "still paused": "暂停中",
    "Duration in the day": "当日时长",
    "As the PBX recorded them: log-ins to a queue (by the desk, a phone, another system or an operator) and to the "
    "agent pool, and pauses with their reason. Durations count only the part within the day; one still open counts "
    "up to now. Totals count time in several queues at once only once.":
        "以交换机的记录为准:签入队列(经坐席台、话机、其他系统或管理员)及签入坐席池,暂停及其原因。"
        "时长只计当日之内的部分;尚未结束的计至此刻。同时签入多个队列的时间在合计中只计一次。",
    "More than %(n)s rows on this day: the list is cut.": "当日记录超过 %(n)s 条:列表不完整。",
}
