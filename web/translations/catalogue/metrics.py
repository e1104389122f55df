"""zh catalogue: the supervisor page's figures and the metric definitions (hotline.metrics.METRICS).
Merged into ``ZH`` by web/translations/zh.py."""

ENTRIES: dict[str, str] = {
    # metrics (the metric names themselves are hotline.metrics.METRICS' labels, not Babel's)
    "no data": "无数据", "No data": "无数据", "Metric": "指标", "Value": "数值", "Retraining": "需再培训",
    "Definition": "定义",
    "Show": "显示", "Per agent": "按话务员", "Monthly KPIs (R-KPI)": "月度考核指标(R-KPI)", "Targets": "目标",
    "Red: below target. Retraining: below target %(n)s months in a row.":
        "红色:未达标。需再培训:连续 %(n)s 个月未达标。",
    "Team figures": "班组指标", "Calls, SL and abandon over time": "话务量、服务水平和放弃率趋势",
    # the metric definitions of the supervisor page (hotline.metrics.METRICS; test_team checks each has one)
    ('inbound calls that reached the queue (answered + abandoned + timeout + no agent + queue full, or queue'
     'd_at set)'):
        ('进入队列的呼入电话(已接通 + 放弃 + 排队超时 + 无坐席 + 队列满,或有 queued_at)'),
    ('inbound calls that ended in the IVR without reaching the queue (disposition ivr); counted apart'):
        ('在语音导航中结束、未进入队列的呼入电话(结果 ivr);单独统计'),
    ('inbound calls bridged with an agent (disposition answered, agent set)'):
        ('与话务员接通的呼入电话(结果已接通,有话务员)'),
    ('mean wait_seconds of answered calls'):
        ('已接通电话的平均等待时长(wait_seconds)'),
    ('hold_seconds of the answered calls whose holds are known ÷ those calls (per agent: the calls they answ'
     'ered); a call whose holds could not be proven (an AMI gap, no timestamps) is left out, not counted as '
     'no hold'):
        ('保持时长已知的已接通电话的保持时长(hold_seconds)÷ 这些电话数(按话务员:其接起的电话);'
         '保持无法确认的电话(AMI 中断、无时间戳)不计入,不当作未保持'),
    ("(talk_seconds of the answered calls + the agents' after-call work (话后整理, the desk's presence) in the"
     ' period) ÷ answered calls'):
        ('(已接通电话的通话时长 + 本期话务员的话后整理时长(坐席状态))÷ 已接通电话数'),
    ('answered ring attempts within 4 rings ÷ answered ring attempts, per agent (attempts of the inbound c'
     "alls of the period); within = the call's within_4_rings (else ring_seconds ≤ max_rings × ring_cycle_"
     's)'):
        ('四声内接起的振铃次数 ÷ 接起的振铃次数,按话务员统计(本期呼入电话的振铃);四声内以通话的 wit'
         'hin_4_rings 为准(否则振铃秒数 ≤ max_rings × ring_cycle_s)'),
    ('answered attempts past 4 rings + every no_answer attempt (rang out) of that agent + declined '
     'attempts (picked up, then turned down at an accept prompt) picked up past 4 rings; a refusal '
     'is no ring-out'):
        ('该话务员超过四声才接起的振铃次数 + 每次振铃未接(no_answer)+ 超过四声才摘机、'
         '又在接听确认提示上拒接的次数;拒接不算振铃未接'),
    ('ring attempts of the agent that rang out unanswered (result no_answer)'):
        ('该话务员振铃超时未接的次数(结果 no_answer)'),
    ('answered with wait ≤ service_level_s ÷ (answered + abandoned after short_abandon_s + timeouts + no age'
     "nt + queue full); the queue's figure: an agent has none (see sl_answered)"):
        ('等待 ≤ service_level_s 接通的电话 ÷(已接通 + 等待超过 short_aban'
         'don_s 的放弃 + 排队超时 + 无坐席 + 队列满);队列的指标,话务员无此项(见服务水平(÷接通))'),
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
    ('inbound calls the queue refused or let go because no agent staffed it (QUEUESTATUS JOINEMPTY / LEAVE'
     'EMPTY: joinempty, leavewhenempty): offered, not answered, called back as missed calls'):
        ('队列因无人值守而拒绝或放走的呼入电话(QUEUESTATUS 为 JOINEMPTY / LEAVEEMPTY:joinempty、'
         'leavewhenempty):计入进入队列,未接通,按未接来电回拨'),
    ('inbound calls the queue refused at the join because it already held maxlen callers (QUEUESTATUS FULL)'
     ': offered, not answered, called back as missed calls'):
        ('队列已有 maxlen 个来电在等待、在入队时拒绝的呼入电话(QUEUESTATUS 为 FULL):'
         '计入进入队列,未接通,按未接来电回拨'),
    ('answered calls an agent handed on to an outside number (transferred_out set): the caller ended with '
     'no agent; per agent, the calls they answered'):
        ('话务员转到外部号码的已接通电话(transferred_out 有值):来电最后不在任何话务员处;'
         '按话务员:其接起的电话'),
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
    ('missed-call tasks made in the period that were closed within callback_missed_due_min — a callback r'
     'eached the customer, or they called again and were answered — counted from the missed call, or from '
     'the next opening for a call missed out of hours (a request for a person included), before which nobo'
     'dy calls back ÷ missed-call tasks made in the period (withheld numbers make no task and are not count'
     'ed)'):
        ('本期生成、在 callback_missed_due_min 内关闭的未接来电回拨任务(回拨联系到客户,或'
         '客户再次来电并被接通;自未接来电起算,非服务时间的未接来电(含要求人工服务)自下次上班起算,此前不'
         '回拨)÷ 本期生成的未接来电回拨任务(隐藏号码不生成任务,不计入)'),
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
    ("cases closed by their deadline (the kind's rule: R-FAULT-SLA, R-CONSULT-24H, R-COMPLAINT, case_defau"
     'lt_due_h) ÷ cases closed or still open past it; cases within their deadline do not count'):
        ('在期限内关闭的工单(按类型的规则:R-FAULT-SLA、R-CONSULT-24H、R-COMPL'
         'AINT、case_default_due_h)÷ 已关闭或超期未关闭的工单;未到期的工单不计入'),
    ('complaint cases closed by their deadline (solution 24 h general / progress 72 h complex) ÷ complaint'
     ' cases closed or still open past it'):
        ('在期限内关闭的投诉工单(一般投诉 24 小时解决 / 复杂投诉 72 小时反馈进展)÷ 已关闭或超期'
         '未关闭的投诉工单'),
    # a definition's settings by name and current value (hotline.metrics.SETTING_TERMS, web.i18n.setting_phrase)
    "service level time limit": "服务水平时限", "short abandon limit": "短时放弃时限", "queue time limit": "排队时限",
    "rings allowed": "振铃次数上限", "ring cycle": "振铃周期", "repeat-call window": "重复来电时间窗",
    "missed-call callback limit": "未接来电回拨时限", "default case limit": "工单默认处理时限",
    "complaint solution limit": "投诉解决时限", "break reasons": "小休原因",
    "%(name)s (now %(value)s)": "%(name)s(当前 %(value)s)",
    "%(n)s s": "%(n)s 秒", "%(n)s min": "%(n)s 分钟", "%(n)s h": "%(n)s 小时",
}
