"""My submissions: the team's history, its final picks and its public score over time."""

import altair as alt
import pandas as pd
import streamlit as st

import controls
import submissions
from app_pages import shared
from scoring import format_score

ctx = shared.context()
user = shared.current_user()
st.title("My submissions")
if user is None:
    st.info("Log in (in the sidebar) to see your submissions.")
    st.stop()

s = ctx.settings
mine = submissions.team_log(shared.submission_log(ctx.state), user.login).sort_values("submission_id",
                                                                                      ascending=False)
if mine.empty:
    st.info("Your team has not submitted yet. Upload a file on the Submit page.")
    st.stop()

history = pd.DataFrame({
    "#": mine["submission_id"].astype(str),
    "time (UTC)": mine["submitted_at"].str.replace("T", " ").str.slice(0, 19),
    "file": mine["filename"].map(shared.plain),  # st.table renders markdown: file names are shown as typed
    "public score": mine["public_score"].map(format_score),
    "final pick": mine["selected"].map({True: "✓", False: ""}),
    "status": mine["status"],
})
st.table(history, hide_index=True)

scored = mine[mine["status"] == submissions.SCORED]
final = controls.is_private_revealed(ctx.state, s.END, shared.now())
if final:
    st.caption("The private leaderboard is out: final picks can no longer change.")
elif ctx.comp is not None and ctx.comp.target.has_private and not scored.empty:
    st.subheader("Final picks")
    st.caption(f"Pick up to {s.MAX_SELECTED_SUBMISSIONS} submissions for the private leaderboard. Without picks, "
               f"your {s.MAX_SELECTED_SUBMISSIONS} best public submissions are used.")
    labels = {int(r.submission_id): f"#{r.submission_id} · {r.filename} · {format_score(r.public_score)}"
              for r in scored.itertuples()}
    with st.form("picks"):
        chosen = st.multiselect("Final submissions", options=list(labels), format_func=labels.get,
                                default=[int(i) for i in scored.loc[scored["selected"], "submission_id"]],
                                max_selections=s.MAX_SELECTED_SUBMISSIONS)
        if st.form_submit_button("Save final picks"):
            try:
                submissions.select_finals(ctx.state, s, user, chosen, shared.now())
            except Exception as exc:  # a clear message, never a traceback
                shared.show_error(exc)
            else:
                st.success("Final picks saved.")

if len(scored) > 1:
    st.subheader("Public score over time")
    points = pd.DataFrame({"time": pd.to_datetime(scored["submitted_at"], utc=True),
                           "public score": scored["public_score"]})
    st.altair_chart(alt.Chart(points).mark_line(point=True).encode(
        x=alt.X("time:T", title="time (UTC)", scale=alt.Scale(type="utc"), axis=alt.Axis(format="%d %b %H:%M")),
        y=alt.Y("public score:Q", scale=alt.Scale(zero=False)),
        tooltip=["time:T", "public score:Q"]), width="stretch")
