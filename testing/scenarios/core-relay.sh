#!/bin/sh
# The relay attack on a keyed cluster (core-relay.d/serve runs it on node
# 2): a local user who binds a VIRGO port on a node that is not listening
# relays the nodes that dial it to another node, to pass as this node.
# Each side checks the ids it believes in, and the server proves first:
# the victim hangs up before it proves anything, and the target never
# says OK.
. virgo-test.sh

log=/tmp/relay.log
check "the relay's transcript is on node 3" \
	wait_until 90 sh -c "virgo fs cat --node 3 relay.log > $log 2>/dev/null"
sed 's/^/# /' $log
one=$(sed -n '/^== byte for byte/,/^== ids rewritten/p' $log)
two=$(sed -n '/^== ids rewritten/,$p' $log)
check "byte for byte: a node dialled the relay" sh -c "echo '$one' | grep -q '^target> VIRGO-AUTH 3 3 '"
check "byte for byte: it hung up on the target's id, proving nothing" \
	sh -c "echo '$one' | grep -qx 'victim hung up' && ! echo '$one' | grep -q '^victim>'"
check "rewritten: the victim took the relay for node 2 and said hello" \
	sh -c "echo '$two' | grep -Eq '^victim> AUTH-HELLO 3 [13] '"
check "rewritten: the target proved itself, to the wrong transcript" \
	sh -c "echo '$two' | grep -q '^target> AUTH-SERVER '"
check "rewritten: the victim hung up without a proof" \
	sh -c "echo '$two' | grep -qx 'victim hung up' && ! echo '$two' | grep -q '^victim> AUTH-CLIENT'"
check "the target never let the relay in" sh -c "! grep -q '^target> OK' $log"
finish
