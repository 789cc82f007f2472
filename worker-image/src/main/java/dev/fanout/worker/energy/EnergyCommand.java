package dev.fanout.worker.energy;

import picocli.CommandLine.Command;

@Command(name = "energy", mixinStandardHelpOptions = true, description = "Prepare EnergyPlus variant inputs, collect their results, rank a batch.",
        subcommands = {PrepareCommand.class, CollectCommand.class, PackCommand.class, AggregateCommand.class})
public class EnergyCommand {
}
