using Platform.Api.Formats.Model;

namespace Platform.Api.Tests.Formats;

public sealed class ModelOptionsTests
{
    [Fact]
    public void The_connection_string_fills_endpoint_key_and_model_and_wins_over_the_section()
    {
        var options = new ModelOptions { Endpoint = "http://section/v1", Model = "section-model", ApiKey = "section-key" };

        options.ApplyConnectionString("Endpoint=http://127.0.0.1:11434/v1;Key=secret;Model=llama3.2");

        Assert.Equal("http://127.0.0.1:11434/v1", options.Endpoint);
        Assert.Equal("secret", options.ApiKey);
        Assert.Equal("llama3.2", options.Model);
        Assert.True(options.IsConfigured);
    }

    [Fact]
    public void Without_endpoint_and_model_the_formats_are_off_and_a_key_alone_changes_nothing()
    {
        var options = new ModelOptions();
        options.ApplyConnectionString(null);
        Assert.False(options.IsConfigured);

        options.ApplyConnectionString("Key=only-a-key");
        Assert.False(options.IsConfigured);
    }

    [Theory]
    [InlineData("ftp://host/v1", "gpt", "absolute http(s) URL")]
    [InlineData("not a url", "gpt", "absolute http(s) URL")]
    [InlineData("http://host/v1", null, "Model:Model is required")]
    public void An_unusable_endpoint_fails_validation_at_start(string endpoint, string? model, string message)
    {
        var result = new ModelOptionsValidator().Validate(null, new ModelOptions { Endpoint = endpoint, Model = model });

        Assert.True(result.Failed);
        Assert.Contains(message, result.FailureMessage);
    }

    [Fact]
    public void No_configuration_at_all_is_valid_it_only_turns_the_model_formats_off()
    {
        Assert.True(new ModelOptionsValidator().Validate(null, new ModelOptions()).Succeeded);
    }
}
