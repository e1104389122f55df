"""The supervisor's page of the PBX's own record of the agents' log-ins and pauses for a day
(坐席签入签出明细 / 状态明细), as HTML and CSV (views); the record is hotline.pbx_presence's."""
