"""zh catalogue: the wallboard.
Merged into ``ZH`` by web/translations/zh.py."""

ENTRIES: dict[str, str] = {
    # wallboard
    "Calls waiting": "排队来电", "Longest wait": "最长等待", "Ringing": "振铃中", "Talking": "通话中",
    # the tile counts every paused member: 示忙, 小休 and 话后整理 alike
    "Paused": "暂停", "Waiting callers": "排队等待",
    # R-ONE-CALL: the overdue orders' column of the customer's urges (the words: catalogue/field.py)
    "Customer urged": "客户催单",
    "Today's SL": "今日服务水平", "Call events were missed: figures may be incomplete": "事件监听曾中断,数据可能不完整",
    "Connection lost, reconnecting…": "连接中断,正在重连…", "State": "状态", "For": "持续",
    "idle": "空闲", "ringing": "振铃", "talking": "通话", "paused": "示忙", "unavailable": "离线",
    # 监控告警 (hotline/live_alerts.py TEXTS; the wallboard fills %(for)s with the running clock; 确认 is
    # "Acknowledge", catalogue/callbacks.py)
    # a supervisor on an agent's live call (hotline.desk.monitor), in the order of escalation
    "Listen in": "监听", "Whisper": "耳语", "Barge in": "强插", "Force hang-up": "强拆",
    "Alerts": "监控告警", "Sound: on": "提示音:开", "Sound: off": "提示音:关",
    "Click anywhere on the page to let the alerts sound": "请先点击页面任意处,告警提示音才能播放",
    "%(n)s callers waiting in %(queue)s (alert from %(limit)s)": "%(queue)s 排队来电 %(n)s 个(告警阈值 %(limit)s)",
    "A caller in %(queue)s has waited %(for)s (alert from %(limit)s s)":
        "%(queue)s 最长等待已 %(for)s(告警阈值 %(limit)s 秒)",
    "Today's service level %(pct)s%% is under its target %(target)s%% (%(num)s/%(den)s) for %(for)s":
        "今日服务水平 %(pct)s%% 低于目标 %(target)s%%(%(num)s/%(den)s)已 %(for)s",
    "%(n)s callers waiting (the longest %(for)s) and no agent available": "%(n)s 个来电排队(最长 %(for)s),无示闲坐席",
    "%(agent)s on a break (%(reason)s) for %(for)s (limit %(limit)s min)":
        "坐席 %(agent)s 小休(%(reason)s)已 %(for)s(上限 %(limit)s 分钟)",
    "%(agent)s still in after-call work %(for)s after its end": "坐席 %(agent)s 话后整理已超时 %(for)s",
    "%(agent)s has held a caller for %(for)s (limit %(limit)s s)":
        "坐席 %(agent)s 保持客户已 %(for)s(上限 %(limit)s 秒)",
}
