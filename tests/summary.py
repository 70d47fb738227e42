"""Sums JUnit XML files into the one line scripts/test ends with."""
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, FileNotFoundError):
        failed += 1
        print("unreadable results: %s" % path)
        continue
    for case in root.iter("testcase"):
        kinds = {child.tag for child in case}
        if "failure" in kinds or "error" in kinds:
            failed += 1
            print("FAILED: %s %s" % (case.get("classname", ""), case.get("name", "")))
        elif "skipped" in kinds:
            skipped += 1
        else:
            passed += 1
print("%d passed, %d failed%s" % (passed, failed, ", %d skipped" % skipped if skipped else ""))
sys.exit(1 if failed else 0)
