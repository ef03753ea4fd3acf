# The datathon platform: `docker build -t datathon .` then
# `docker run -p 8501:8501 -v datathon-state:/state datathon`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATATHON_STATE_DIR=/state

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN useradd --create-home --uid 10001 datathon \
    && mkdir -p /state \
    && cp users.csv leaderboard.csv /state/ \
    && chown -R datathon:datathon /state

USER 10001
EXPOSE 8501
VOLUME ["/state"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
CMD ["streamlit", "run", "main.py", "--server.port=8501", "--server.address=0.0.0.0"]
