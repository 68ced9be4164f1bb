FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY requirements ./requirements
COPY config ./config
COPY accounts ./accounts
COPY roadmaps ./roadmaps
COPY planner ./planner
RUN pip install --no-cache-dir -c requirements/constraints.txt .
COPY . .
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
RUN useradd --create-home planner && mkdir -p /app/var && chown planner /app/var
USER planner
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--no-control-socket"]
