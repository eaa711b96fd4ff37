# bash completion for dmamap(1). The commands and their options come from
# the command itself (dmamap help --commands, dmamap help --options CMD), so
# this file never falls behind it.

_dmamap()
{
	local tool=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]}
	local prev=${COMP_WORDS[COMP_CWORD-1]} cmd=${COMP_WORDS[1]} opt="" spec arg w i

	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$("$tool" help --commands 2>/dev/null) --help --version" \
			-- "$cur"))
		return 0
	fi
	# everything after "--" belongs to another program
	for ((i = 2; i < COMP_CWORD; i++)); do
		if [ "${COMP_WORDS[i]}" = "--" ]; then
			COMPREPLY=($(compgen -c -- "$cur") $(compgen -f -- "$cur"))
			return 0
		fi
	done
	# "bench map" is a command of its own, with its own options
	if [ "$cmd" = bench ] && [ "$COMP_CWORD" -gt 2 ] && [ "${COMP_WORDS[2]}" = map ]; then
		cmd="bench map"
	fi
	if [ "$cmd" = help ] && [ "${cur#-}" = "$cur" ]; then
		COMPREPLY=($(compgen -W "$("$tool" help --commands 2>/dev/null)" -- "$cur"))
		return 0
	fi
	# the value of an option: "--opt VALUE", or "--opt=VALUE" (which bash splits at '=')
	if [ "$cur" = "=" ]; then
		opt=$prev
		cur=""
	elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 3 ]; then
		opt=${COMP_WORDS[COMP_CWORD-2]}
	elif [ "${prev#--}" != "$prev" ]; then
		opt=$prev
	fi
	if [ -n "$opt" ]; then
		arg=""
		for spec in $("$tool" help --options "$cmd" 2>/dev/null); do
			[ "${spec%%=*}" = "$opt" ] && [ "$spec" != "${spec#*=}" ] && arg=${spec#*=}
		done
		case $arg in
		FILE)
			COMPREPLY=($(compgen -f -- "$cur"))
			return 0 ;;
		NAME)
			if [ "$cmd" = bench ]; then
				w=$("$tool" bench --list 2>/dev/null | cut -d' ' -f1)
				COMPREPLY=($(compgen -W "$w" -- "$cur"))
			fi
			return 0 ;;
		PROGRAM)
			COMPREPLY=($(compgen -c -- "$cur"))
			return 0 ;;
		*'|'*)
			COMPREPLY=($(compgen -W "${arg//|/ }" -- "$cur"))
			return 0 ;;
		?*)
			return 0 ;;
		esac
	fi
	w=""
	[ "$cmd" = bench ] && [ "$COMP_CWORD" -eq 2 ] && w=map
	for spec in $("$tool" help --options "$cmd" 2>/dev/null); do
		w="$w ${spec%%=*}"
	done
	COMPREPLY=($(compgen -W "$w" -- "$cur"))
	return 0
}
complete -o filenames -F _dmamap dmamap
