package dev.fanout.api;

/**
 * What an EnergyPlus run simulates: the model's sizing periods only ({@code designDay}: seconds, for screening) or the
 * weather file's run periods ({@code annual}). One spelling in the resource and on the worker's command line.
 */
public enum SimulationMode { annual, designDay }
