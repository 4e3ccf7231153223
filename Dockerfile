# routeplan: multi-stage build, the same install as the README (scripts/setup.sh's pip line).
FROM python:3.12-slim AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml setup.py constraints.txt README.md ./
COPY src ./src
COPY api ./api
COPY data ./data
RUN pip install --no-cache-dir --upgrade pip \
 && pip install --no-cache-dir -c constraints.txt ".[service]"

FROM python:3.12-slim
RUN useradd --create-home --uid 10001 routeplan
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ROUTEPLAN_DATA_DIR=/home/routeplan/data
USER routeplan
WORKDIR /home/routeplan
EXPOSE 8000
CMD ["routeplan", "serve", "--host", "0.0.0.0", "--port", "8000"]
