"""The words of an import's result, the same on the page and from the command."""

from .plans import Plan


def summary_lines(plan: Plan, *, confirmed: bool) -> list[str]:
    verb = ("created", "updated") if confirmed else ("to create", "to update")
    lines = [
        f"{plan.created} {verb[0]}, {plan.updated} {verb[1]}, {plan.unchanged} unchanged",
        f"{len(plan.problems)} errors",
    ]
    lines += [f"Error: {problem}" for problem in plan.problems]
    if plan.not_in_extract:
        lines.append(f"{len(plan.not_in_extract)} not in the latest extract (not deleted):")
        lines += [f"  {reference}" for reference in plan.not_in_extract]
    if plan.placeholders:
        lines.append(f"{len(plan.placeholders)} made with a placeholder name, to complete:")
        lines += [f"  {name}" for name in plan.placeholders]
    if plan.left_out:
        lines.append(f"{len(plan.left_out)} in the file and not imported:")
        lines += [f"  {reason}" for reason in plan.left_out]
    return lines
