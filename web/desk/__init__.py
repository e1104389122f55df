"""The agent desk (坐席工作台, issue 13) on the web: ``views`` (the blueprint), ``state`` (what the
desk shows and its event stream), ``pop`` (the screen-pop's caller, customer, IVR path, history)."""
