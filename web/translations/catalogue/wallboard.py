"""zh catalogue: the wallboard.
Merged into ``ZH`` by web/translations/zh.py."""

ENTRIES: dict[str, str] = {
    # wallboard
    "Calls waiting": "排队来电", "Longest wait": "最长等待", "Ringing": "振铃中", "Talking": "通话中",
    # the tile counts every paused member: 示忙, 小休 and 话后整理 alike
    "Paused": "暂停", "Waiting callers": "排队等待",
    "Today's SL": "今日服务水平", "Listener gap: figures may be incomplete": "事件监听曾中断,数据可能不完整",
    "Connection lost, reconnecting…": "连接中断,正在重连…", "State": "状态", "For": "持续",
    "idle": "空闲", "ringing": "振铃", "talking": "通话", "paused": "示忙", "unavailable": "离线",
}
