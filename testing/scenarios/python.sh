#!/bin/sh
# The virgo Python module on 3 nodes: its pytest suite
# (tools/virgo/python/tests, in /usr/libexec/virgo/python on the python
# image) run on node 1 by Debian's python3 and pytest. Every test must
# pass; none may be skipped.
. virgo-test.sh

check "every node up" virgo-wait-nodes 120
tests=/usr/libexec/virgo/python
want=$(cat $tests/test_*.py | grep -c '^def test_')
cd /tmp || exit 1
python3 -m pytest -v -p no:cacheprovider -o console_output_style=classic $tests \
	> /tmp/pytest.out 2>&1
rc=$?
sed 's/^/# /' /tmp/pytest.out
check_eq "pytest exits 0" 0 "$rc"
check_eq "pytest: all $want tests passed, none skipped" \
	"$want passed" "$(tail -n 1 /tmp/pytest.out | sed -n 's/^=* \(.*\) in [0-9.]*s.*/\1/p')"
check "import virgo from /usr/local, as installed" \
	python3 -c 'import virgo, sys; sys.exit(not virgo.__file__.startswith("/usr/local/"))'
finish
