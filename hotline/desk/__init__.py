"""The agent desk's domain (坐席工作台, issue 13): what the web desk and the supervisor's wallboard
call, and what the listener and the scheduler feed.

- ``presence``: one state machine per agent (签出 / 示闲 / 示忙 / 小休 / ringing / talking / 话后整理),
  applied to the queue through AMI and stored change by change;
- ``events``: the queue's AMI events that move presence (the listener hands them over);
- ``durations``: the raw seconds per agent and state over a period, for the metrics (AHT, occupancy);
- ``calls``: finding an agent's live call on the PBX (every control checks it first);
- ``controls``: the agent's call controls (transfer, 转满意度, standard phrases, malicious flag, hang-up);
- ``monitor``: the supervisor's 监听 / 耳语 / 强插 / 强拆, each audited;
- ``audit``: the trail of controls and monitoring uses (a call's page);
- ``members``: the queue member an agent is, and the AMI actions on it.
"""
