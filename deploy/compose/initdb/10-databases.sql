-- One database per service (no service reads another's tables). Runs once, when the postgres
-- container initialises an empty data volume; `docker compose down -v` resets it.
CREATE DATABASE kpi;
CREATE DATABASE survey;
CREATE DATABASE roadmap;
