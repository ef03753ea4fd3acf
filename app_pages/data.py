"""Data: what the files hold, a download button for each public file, how to load them."""

from pathlib import Path

import streamlit as st

from app_pages import shared
from competition import PUBLIC_FILES

ctx = shared.context()
st.title("Data")
st.markdown(ctx.settings.content_markdown)


@st.cache_data(max_entries=16, show_spinner=False)
def _bytes(path: str, version: tuple) -> bytes:
    return Path(path).read_bytes()


if ctx.comp is None:
    shared.data_unavailable(ctx)
else:
    for name, path in ctx.comp.files.items():
        stat = path.stat()
        st.download_button(f"Download {PUBLIC_FILES[name]}", _bytes(str(path), (stat.st_mtime_ns, stat.st_size)),
                           file_name=PUBLIC_FILES[name], mime="text/csv", key=f"download-{name}",
                           on_click="ignore")
    links = ctx.comp.links()
    if links:
        st.markdown("Or download them from the organisers' links: " +
                    ", ".join(f"[{PUBLIC_FILES[name]}]({url})" for name, url in links.items()))
if ctx.settings.data_instruction_commands:
    st.subheader("Loading the data")
    st.markdown(ctx.settings.data_instruction_commands)
