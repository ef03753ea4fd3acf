"""Evaluation: the organiser's text, then the rules as configured (metric, split, picks, limits, dates)."""

import streamlit as st

from app_pages import shared
from submissions import show_time

ctx = shared.context()
s = ctx.settings
st.title("Evaluation")
st.markdown(s.evaluation_content)
st.subheader("Rules")
metric = getattr(s.SKLEARN_SCORER, "__name__", type(s.SKLEARN_SCORER).__name__)
rules = [f"Metric: `{metric}`, **{'greater' if s.GREATER_IS_BETTER else 'lower'} is better**."]
if ctx.comp is not None and ctx.comp.target.has_private:
    share = ctx.comp.target.public.mean()
    rules += [
        f"The public leaderboard scores about {share:.0%} of the test rows; the private leaderboard scores "
        f"the other {1 - share:.0%} and decides the final ranking. Private scores stay hidden until the "
        "organisers reveal them or the challenge ends.",
        f"Pick up to {s.MAX_SELECTED_SUBMISSIONS} final submissions on *My submissions*. Your private score is "
        f"the best private score among your picks; if you pick none, your {s.MAX_SELECTED_SUBMISSIONS} best "
        "public submissions are used.",
    ]
limit = f"At most {s.MAX_SUBMISSIONS_PER_DAY} submissions per team per day; the count resets at 00:00 UTC."
if s.MAX_SUBMISSIONS_TOTAL:
    limit += f" At most {s.MAX_SUBMISSIONS_TOTAL} in total."
rules += [limit + " A file that is refused as invalid does not count.",
          "Equal scores are ranked by time: the team that reached the score first ranks higher."]
if s.START:
    rules.append(f"Uploads open at {show_time(s.START)}.")
if s.END:
    rules.append(f"Uploads close at {show_time(s.END)}.")
st.markdown("\n".join(f"- {rule}" for rule in rules))
