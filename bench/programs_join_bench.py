"""Many promoters pressing "Join" at once: joins per second, and never a seat too many.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/ambassador_bench \\
        .venv/bin/python bench/programs_join_bench.py --people 50 --seats 20

Builds the schema from the migrations in that (emptied) database, creates the promoters
and one program, then lets every promoter press Join in its own thread at the same
moment, each through the real service and its own database session. Prints the figures
and exits 1 if more people got a seat than there are seats.
"""

import argparse
import os
import sys
import threading
import time

from sqlalchemy import func, select, text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--seats", type=int, default=20)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if "bench" not in url and "test" not in url:
        sys.exit("set DATABASE_URL to a database whose name contains 'bench' (it is emptied)")

    from config import TestingConfig

    class BenchConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": args.people, "max_overflow": 0}

    from flask_migrate import upgrade

    from ambassador import create_app
    from ambassador.auth import services as accounts
    from ambassador.auth.models import User
    from ambassador.extensions import db
    from ambassador.nps.models import Customer
    from ambassador.nps.services import record_responses
    from ambassador.programs.enrollment import ProgramFull, join
    from ambassador.programs.models import Enrollment, Program
    from ambassador.programs.services import ProgramFields, create_program

    app = create_app(BenchConfig)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        record_responses([{"email": f"bench{n}@example.com", "score": 10}
                          for n in range(args.people)], "import")
        ids = []
        for customer in db.session.scalars(select(Customer).order_by(Customer.id)):
            ids.append(accounts.create_user(customer.email, "promoter", "Bench",
                                            password=None, customer_id=customer.id).id)
        program_id = create_program(ProgramFields(title="Bench", seats=args.seats,
                                                  status="open")).id
        db.session.commit()

    start, outcomes, errors, lock = threading.Barrier(args.people + 1), [], [], threading.Lock()

    def press(user_id):
        try:
            with app.app_context():
                user = db.session.get(User, user_id)
                assert user.customer is not None
                db.session.close()
                start.wait()
                try:
                    outcome = join(program_id, user).outcome
                    db.session.commit()
                except ProgramFull:
                    db.session.rollback()
                    outcome = "full"
                with lock:
                    outcomes.append(outcome)
        except Exception as exc:  # shown below
            errors.append(repr(exc))

    threads = [threading.Thread(target=press, args=(uid,)) for uid in ids]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    with app.app_context():
        taken = db.session.scalar(select(Program.taken).where(Program.id == program_id))
        rows = db.session.scalar(select(func.count()).select_from(Enrollment))
        db.engine.dispose()
    enrolled = outcomes.count("enrolled")
    print(f"database {url.split('://')[0]}  people {args.people}  seats {args.seats}")
    print(f"presses {len(outcomes)} in {elapsed:.3f} s: {len(outcomes) / elapsed:.0f} per second")
    print(f"enrolled {enrolled}  told full {outcomes.count('full')}  errors {len(errors)}")
    print(f"taken {taken}  enrollment rows {rows}")
    ok = enrolled == rows == taken == min(args.seats, args.people) and not errors
    print("never over-booked" if ok else "OVER-BOOKED OR INCONSISTENT")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
