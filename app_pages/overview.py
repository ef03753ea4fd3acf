"""Overview: the organiser's presentation of the challenge."""

import streamlit as st

from app_pages import shared

ctx = shared.context()
st.title("Overview")
st.markdown(ctx.settings.context_markdown or "_The organisers have not written an overview yet._")
